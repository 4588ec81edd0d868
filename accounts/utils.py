from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address; behind a proxy (production) the first X-Forwarded-For hop."""
    if settings.PRODUCTION:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")

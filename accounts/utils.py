from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

from core.digits import to_persian_digits


def client_ip(request) -> str | None:
    """The client's address, as seen by the outermost proxy we run.

    In production the load balancer appends the address it saw to ``X-Forwarded-For``;
    everything left of the last ``TRUSTED_PROXY_COUNT`` entries was written by the client
    and could be forged to dodge the per-IP limits, so it is never used.
    """
    if settings.PRODUCTION:
        hops = [
            hop.strip()
            for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if hop.strip()
        ]
        trusted = max(int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)), 1)
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.META.get("REMOTE_ADDR") or None


def localized_number(value: object) -> str:
    """A number written in the active language's digits (Persian digits in Persian)."""
    text = str(value)
    return to_persian_digits(text) if (get_language() or "").startswith("fa") else text

"""The API's authentication, apart from core/api.py: DRF imports it while it loads its own
views, so it may import nothing that imports them back (drf-spectacular does)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class SessionAuthentication(authentication.SessionAuthentication):
    """The site's login session, answering 401 (not 403) when there is none.

    DRF answers 403 to an anonymous request when the first authentication class names no
    ``WWW-Authenticate`` challenge; a session has no standard scheme, so this one names
    ``Session``, and the client knows to log in (``/api/auth/otp/…``) rather than give up.
    """

    def authenticate_header(self, request) -> str:
        return 'Session realm="api"'

    def enforce_csrf(self, request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _(
                    "The security token (CSRF) is missing or wrong: send the csrftoken "
                    "cookie's value in the X-CSRFToken header."
                ),
                code="csrf_failed",
            ) from None

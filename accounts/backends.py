from contextlib import suppress

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from core.validators import normalize_mobile


class MobileBackend(ModelBackend):
    """Sessions and admin passwords for insurer staff; customers log in by one-time code
    (``accounts.services.otp_verify``), which calls ``django.contrib.auth.login`` directly.

    The mobile number may be typed in any spelling (``+98…``, Persian digits)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.pop("mobile", None)
        if username is not None:
            # A number that cannot be normalised is looked up as typed and not found;
            # the parent still spends a password hash so the answer takes as long.
            with suppress(ValidationError):
                username = normalize_mobile(username)
        return super().authenticate(request, username=username, password=password, **kwargs)

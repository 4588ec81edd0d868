from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


class TransientSmsError(Exception):
    """The provider could not be reached or asked us to retry later."""


class PermanentSmsError(Exception):
    """The provider refused the message for good (bad number, no credit, bad key)."""


@dataclass(frozen=True)
class SmsReceipt:
    provider_message_id: str


class SmsBackend:
    """Sends one message. ``local_id`` is unique per message: providers that support it
    use it to refuse a second delivery of the same message."""

    name = "base"

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        raise NotImplementedError


BACKENDS = {
    "dev": "core.sms.dev.DevelopmentBackend",
    "kavenegar": "core.sms.kavenegar.KavenegarBackend",
}


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    return _backend_class(BACKENDS.get(name, name))()

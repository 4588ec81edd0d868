from __future__ import annotations

import re

from django.conf import settings
from kavenegar import APIException, HTTPException, KavenegarAPI

from core.sms.base import PermanentSmsError, SmsBackend, SmsReceipt, TransientSmsError

# Kavenegar status codes worth another try later: 409 "server cannot answer, try again
# later", throttling and server trouble. Everything else (418 no credit, 411 bad number,
# 403 bad key, …) will fail again the same way.
_TRANSIENT_CODES = {"409", "429", "500", "502", "503", "504"}


def _text(error: Exception) -> str:
    """The SDK wraps its message in bytes; give back readable text."""
    value = error.args[0] if error.args else error
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class KavenegarBackend(SmsBackend):
    """Kavenegar's ``sms/send`` through its SDK. ``localid`` makes a repeated call a no-op
    at the provider, so a retry after a lost answer never delivers twice."""

    name = "kavenegar"

    def __init__(self, api: KavenegarAPI | None = None):
        self.api = api or KavenegarAPI(settings.KAVENEGAR_API_KEY)

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        params = {"receptor": to, "message": body, "localid": local_id}
        if settings.KAVENEGAR_SENDER:
            params["sender"] = settings.KAVENEGAR_SENDER
        try:
            entries = self.api.sms_send(params)
        except HTTPException as error:
            raise TransientSmsError(_text(error)) from error
        except APIException as error:
            message = _text(error)
            match = re.search(r"APIException\[(\d+)\]", message)
            code = match.group(1) if match else ""
            if code in _TRANSIENT_CODES:
                raise TransientSmsError(message) from error
            raise PermanentSmsError(message) from error
        entry = entries[0] if isinstance(entries, list) and entries else {}
        return SmsReceipt(provider_message_id=str(entry.get("messageid", "")))

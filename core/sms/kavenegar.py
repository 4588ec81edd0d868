from __future__ import annotations

import re

from django.conf import settings
from kavenegar import APIException, HTTPException, KavenegarAPI

from core.sms.base import PermanentSmsError, SmsBackend, SmsReceipt, TransientSmsError

# Kavenegar status codes that are worth another try later (throttling, server trouble).
_TRANSIENT_CODES = {"418", "429", "500", "502", "503", "504"}


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
            raise TransientSmsError(str(error)) from error
        except APIException as error:
            match = re.search(r"APIException\[(\d+)\]", str(error))
            code = match.group(1) if match else ""
            if code in _TRANSIENT_CODES:
                raise TransientSmsError(str(error)) from error
            raise PermanentSmsError(str(error)) from error
        entry = entries[0] if isinstance(entries, list) and entries else {}
        return SmsReceipt(provider_message_id=str(entry.get("messageid", "")))

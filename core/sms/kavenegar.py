from __future__ import annotations

import json
import re

import requests
from django.conf import settings
from kavenegar import APIException, HTTPException, KavenegarAPI

from core.sms.base import PermanentSmsError, SmsBackend, SmsReceipt, TransientSmsError

# Kavenegar status codes worth another try later: 409 "server cannot answer, try again
# later", throttling and server trouble. Everything else (418 no credit, 411 bad number,
# 403 bad key, …) will fail again the same way.
_TRANSIENT_CODES = {"409", "429", "500", "502", "503", "504"}
# Seconds to connect and to wait for the answer. The SDK itself waits forever, which
# would hold a worker until its hard time limit.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 20


class _KavenegarClient(KavenegarAPI):
    """The SDK's client with timeouts and with a malformed answer reported as an
    ``HTTPException`` (the SDK lets a ``KeyError`` escape)."""

    def _request(self, action, method, params=None):
        url = f"https://{self.host}/{self.version}/{self.apikey}/{action}/{method}.json"
        try:
            content = requests.post(
                url,
                headers=self.headers,
                auth=None,
                data=params or {},
                timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
            ).content
        except requests.exceptions.RequestException as error:
            raise HTTPException(error) from error
        try:
            answer = json.loads(content.decode("utf-8"))
            status = answer["return"]["status"]
            message = answer["return"].get("message", "")
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise HTTPException(f"unreadable answer: {error.__class__.__name__}") from error
        if status != 200:
            raise APIException(f"APIException[{status}] {message}".encode())
        return answer.get("entries")


class KavenegarBackend(SmsBackend):
    """Kavenegar's ``sms/send`` through its SDK. ``localid`` makes a repeated call a no-op
    at the provider, so a retry after a lost answer never delivers twice."""

    name = "kavenegar"

    def __init__(self, api: KavenegarAPI | None = None):
        self.api = api or _KavenegarClient(settings.KAVENEGAR_API_KEY)

    def _text(self, error: Exception) -> str:
        """The SDK wraps its message in bytes; give back readable text without the API
        key (it is part of the URL a network error quotes)."""
        value = error.args[0] if error.args else error
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if self.api.apikey:
            text = text.replace(self.api.apikey, "***")
        return text

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        params = {"receptor": to, "message": body, "localid": local_id}
        if settings.KAVENEGAR_SENDER:
            params["sender"] = settings.KAVENEGAR_SENDER
        try:
            entries = self.api.sms_send(params)
        except HTTPException as error:
            raise TransientSmsError(self._text(error)) from error
        except APIException as error:
            message = self._text(error)
            match = re.search(r"APIException\[(\d+)\]", message)
            code = match.group(1) if match else ""
            if code in _TRANSIENT_CODES:
                raise TransientSmsError(message) from error
            raise PermanentSmsError(message) from error
        entry = entries[0] if isinstance(entries, list) and entries else {}
        # Accepted: even without a message id it may have gone out, so it is never retried.
        message_id = entry.get("messageid") if isinstance(entry, dict) else None
        return SmsReceipt(provider_message_id=str(message_id or ""))

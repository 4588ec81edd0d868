"""Kavenegar (api.kavenegar.com/v1): ``sms/send`` for one message, ``sms/sendarray`` for a
batch, ``sms/status`` for delivery reports, ``sms/receive`` for replies (decision 034)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import requests
from django.conf import settings
from kavenegar import APIException, HTTPException, KavenegarAPI

from core.sms.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingSms,
    PermanentSmsError,
    SendResult,
    SmsAccountError,
    SmsBackend,
    SmsReceipt,
    StatusReport,
    TransientSmsError,
    answer_int,
    answer_moment,
)

# Kavenegar status codes worth another try later: 409 "server cannot answer, try again
# later", throttling and server trouble. Everything else (418 no credit, 411 bad number,
# 403 bad key, …) will fail again the same way.
_TRANSIENT_CODES = {"409", "429", "451", "500", "502", "503", "504"}
# Refusals about one message rather than the account: 411 invalid receptor, 413 empty or
# too long text, 422 characters it cannot carry. In a batch Kavenegar does not say which
# message it means, so each is then sent alone.
_MESSAGE_CODES = {"411", "413", "422"}
# A message's state at Kavenegar (its REST documentation, "sms/status").
STATUS_MAP = {
    1: DeliveryStatus.QUEUED,  # in the send queue
    2: DeliveryStatus.QUEUED,  # scheduled
    4: DeliveryStatus.SENT,  # handed to the operator
    5: DeliveryStatus.SENT,  # handed to the operator
    6: DeliveryStatus.FAILED,  # failed
    10: DeliveryStatus.DELIVERED,
    11: DeliveryStatus.UNDELIVERED,
    13: DeliveryStatus.FAILED,  # cancelled
    14: DeliveryStatus.BLACKLISTED,  # blocked by the recipient (advertising)
    100: DeliveryStatus.FAILED,  # invalid message id
}
# Per call: sms/sendarray takes at most 200 receptors, sms/status 500 message ids
# (decision 034: to confirm against the account before going live).
SENDARRAY_LIMIT = 200
STATUS_LIMIT = 500


class _Refused(PermanentSmsError):
    """A refusal with Kavenegar's code."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class _KavenegarClient(KavenegarAPI):
    """The SDK's client with timeouts and with a malformed answer reported as an
    ``HTTPException`` (the SDK lets a ``KeyError`` escape)."""

    def __init__(self, apikey: str, base_url: str = ""):
        super().__init__(apikey)
        self.base_url = (base_url or f"https://{self.host}/{self.version}").rstrip("/")

    def _request(self, action, method, params=None):
        url = f"{self.base_url}/{self.apikey}/{action}/{method}.json"
        try:
            content = requests.post(
                url,
                headers=self.headers,
                auth=None,
                data=params or {},
                timeout=(settings.SMS_CONNECT_TIMEOUT_SECONDS, settings.SMS_READ_TIMEOUT_SECONDS),
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
    """Kavenegar through its SDK. ``localid`` / ``localmessageids`` make a repeated call a
    no-op at the provider, so a retry after a lost answer never delivers twice."""

    name = "kavenegar"
    max_batch = SENDARRAY_LIMIT

    def __init__(self, api: KavenegarAPI | None = None):
        self.api = api or _KavenegarClient(settings.KAVENEGAR_API_KEY, settings.KAVENEGAR_BASE_URL)

    def _text(self, error: Exception) -> str:
        """The SDK wraps its message in bytes; give back readable text without the API
        key (it is part of the URL a network error quotes)."""
        value = error.args[0] if error.args else error
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if self.api.apikey:
            text = text.replace(self.api.apikey, "***")
        return text

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        """``method`` of ``sms``; transient trouble raised as ``TransientSmsError``, a
        refusal as ``PermanentSmsError`` whose text starts with the code."""
        try:
            return getattr(self.api, f"sms_{method}")(params)
        except HTTPException as error:
            raise TransientSmsError(self._text(error)) from error
        except APIException as error:
            message = self._text(error)
            match = re.search(r"APIException\[(\d+)\]", message)
            code = match.group(1) if match else ""
            if code in _TRANSIENT_CODES:
                raise TransientSmsError(message) from error
            raise _Refused(message, code) from error

    def _account_call(self, method: str, params: dict[str, Any]) -> Any:
        """``_call`` for the batch interface: a refusal is the account's."""
        try:
            return self._call(method, params)
        except _Refused as error:
            raise SmsAccountError(str(error)) from error

    def sender_for(self, line: str) -> str:
        if line == "promotional":
            return settings.KAVENEGAR_PROMOTIONAL_LINE
        return settings.KAVENEGAR_SERVICE_LINE

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        params = {"receptor": to, "message": body, "localid": local_id}
        if settings.KAVENEGAR_SENDER:
            params["sender"] = settings.KAVENEGAR_SENDER
        entries = self._call("send", params)
        entry = entries[0] if isinstance(entries, list) and entries else {}
        # Accepted: even without a message id it may have gone out, so it is never retried.
        message_id = entry.get("messageid") if isinstance(entry, dict) else None
        return SmsReceipt(provider_message_id=str(message_id or ""))

    def send_batch(self, messages: Sequence[OutgoingSms]) -> list[SendResult]:
        self._check_batch(messages)
        if not messages:
            return []
        params = {
            "receptor": json.dumps([m.to for m in messages]),
            "sender": json.dumps([self.sender_for(m.line) for m in messages]),
            "message": json.dumps([m.body for m in messages], ensure_ascii=False),
            "localmessageids": json.dumps([m.local_id for m in messages]),
        }
        try:
            entries = self._call("sendarray", params)
        except _Refused as error:
            if error.code not in _MESSAGE_CODES:
                raise SmsAccountError(str(error)) from error
            if len(messages) > 1:
                return [result for m in messages for result in self.send_batch([m])]
            return [
                SendResult(
                    local_id=messages[0].local_id, status=DeliveryStatus.FAILED, error=str(error)
                )
            ]
        if not isinstance(entries, list) or len(entries) != len(messages):
            # Taken, but the answer does not say what became of each: ask again later; the
            # local ids make that call deliver nothing twice.
            raise TransientSmsError("sendarray: the answer lists no entry per message")
        return [self._result(m, entry) for m, entry in zip(messages, entries, strict=True)]

    def _result(self, message: OutgoingSms, entry: Any) -> SendResult:
        if not isinstance(entry, dict):
            raise TransientSmsError("sendarray: unreadable entry")
        message_id = str(entry.get("messageid") or "")
        status = STATUS_MAP.get(answer_int(entry.get("status")), DeliveryStatus.SENT)
        if status in (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
            return SendResult(message.local_id, DeliveryStatus.SENT, message_id)
        return SendResult(
            message.local_id, status, message_id, error=str(entry.get("statustext") or status)
        )

    def statuses(self, provider_message_ids: Sequence[str]) -> list[StatusReport]:
        reports = []
        ids = [str(i) for i in provider_message_ids if str(i)]
        for start in range(0, len(ids), STATUS_LIMIT):
            chunk = ids[start : start + STATUS_LIMIT]
            entries = self._account_call("status", {"messageid": ",".join(chunk)})
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict) or str(entry.get("messageid", "")) not in chunk:
                    continue
                status = STATUS_MAP.get(answer_int(entry.get("status")))
                if status is not None:
                    reports.append(StatusReport(str(entry["messageid"]), status))
        return reports

    def inbound(self) -> list[InboundSms]:
        received: list[InboundSms] = []
        for line in self.receiving_lines():
            entries = self._account_call("receive", {"linenumber": line, "isread": 0})
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                received.append(
                    InboundSms(
                        provider_id=str(entry.get("messageid", "")),
                        sender=str(entry.get("sender", "")),
                        line_number=str(entry.get("receptor") or line),
                        body=str(entry.get("message", "")),
                        received_at=answer_moment(entry.get("date")),
                    )
                )
        return received

"""Ghasedak (api.ghasedak.me v2, form posts with an ``apikey`` header): ``sms/send/pair``
for a batch, ``sms/send/bulk`` for texts with a comma, ``sms/status`` for delivery reports
and ``sms/receive/last`` for replies (decision 034). Plain ``requests``, no SDK."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import requests
from django.conf import settings

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

# Codes worth another try later: server trouble and throttling.
_TRANSIENT_CODES = {409, 429, 500, 502, 503, 504}
# Refusals about one message rather than the account (invalid receptor, empty or too long
# text, characters it cannot carry): in a batch each message is then sent alone.
_MESSAGE_CODES = {411, 413, 422}
# A message's state at Ghasedak (v2 "sms/status"). 6, "the id is wrong", is left out: the
# id is not Ghasedak's.
STATUS_MAP = {
    0: DeliveryStatus.QUEUED,  # not yet handed to the operator
    1: DeliveryStatus.DELIVERED,  # reached the phone
    2: DeliveryStatus.UNDELIVERED,  # did not reach the phone
    3: DeliveryStatus.SENT,  # reached the operator
    4: DeliveryStatus.FAILED,  # did not reach the operator
    5: DeliveryStatus.BLACKLISTED,  # the number blocked advertising
}
# Receptors per send call and ids per status call.
BATCH_LIMIT = 100
STATUS_LIMIT = 100
# sms/status: type 1 asks by Ghasedak's message id, type 2 by our checkid.
STATUS_BY_MESSAGE_ID = 1


class _Refused(PermanentSmsError):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


class GhasedakBackend(SmsBackend):
    """Ghasedak. Our local id travels as ``checkid``: a call tried again after a lost
    answer is recognised by Ghasedak and sends nothing twice."""

    name = "ghasedak"
    max_batch = BATCH_LIMIT

    def __init__(self, api_key: str | None = None, base_url: str | None = None):
        self.api_key = settings.GHASEDAK_API_KEY if api_key is None else api_key
        self.base_url = (base_url or settings.GHASEDAK_BASE_URL).rstrip("/")

    def _post(self, path: str, data: dict[str, Any]) -> Any:
        """Post ``data`` to ``path``; the answer's ``items``. The key travels in a header,
        never in the URL, and is masked in any error text kept."""
        try:
            response = requests.post(
                f"{self.base_url}/{path}",
                data=data,
                headers={"apikey": self.api_key, "Accept": "application/json"},
                timeout=(settings.SMS_CONNECT_TIMEOUT_SECONDS, settings.SMS_READ_TIMEOUT_SECONDS),
            )
        except requests.exceptions.RequestException as error:
            raise TransientSmsError(
                self._clean(f"{path}: {error.__class__.__name__} {error}")
            ) from error
        try:
            answer = json.loads(response.content.decode("utf-8"))
            code = int(answer["result"]["code"])
            message = str(answer["result"].get("message", ""))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientSmsError(f"{path}: HTTP {response.status_code}") from error
            raise TransientSmsError(
                f"{path}: unreadable answer ({response.status_code})"
            ) from error
        if code == 200:
            return answer.get("items")
        text = self._clean(f"{path}: [{code}] {message}")
        if code in _TRANSIENT_CODES:
            raise TransientSmsError(text)
        raise _Refused(text, code)

    def _account_post(self, path: str, data: dict[str, Any]) -> Any:
        """``_post`` for the batch interface: a refusal is the account's."""
        try:
            return self._post(path, data)
        except _Refused as error:
            raise SmsAccountError(str(error)) from error

    def _clean(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def sender_for(self, line: str) -> str:
        if line == "promotional":
            return settings.GHASEDAK_PROMOTIONAL_LINE
        return settings.GHASEDAK_SERVICE_LINE

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        message = OutgoingSms(local_id=local_id, to=to, body=body, line="service")
        try:
            result = self.send_batch([message])[0]
        except SmsAccountError as error:  # decision 004: refused for good
            raise PermanentSmsError(str(error)) from error
        if result.status != DeliveryStatus.SENT:
            raise PermanentSmsError(result.error or result.status)
        return SmsReceipt(provider_message_id=result.provider_message_id)

    def send_batch(self, messages: Sequence[OutgoingSms]) -> list[SendResult]:
        self._check_batch(messages)
        if not messages:
            return []
        lines = {self.sender_for(m.line) for m in messages}
        if len(lines) == 1 and not any("," in m.body for m in messages):
            # Pair: the n-th text to the n-th receptor, comma separated.
            groups = [list(messages)]
            path = "sms/send/pair"
        else:
            # A text with a comma cannot travel in a pair list: one bulk call per text.
            by_text: dict[tuple[str, str], list[OutgoingSms]] = {}
            for m in messages:
                by_text.setdefault((m.body, self.sender_for(m.line)), []).append(m)
            groups = list(by_text.values())
            path = "sms/send/bulk"
        ids: dict[str, SendResult] = {}
        for group in groups:
            for result in self._send_group(path, group):
                ids[result.local_id] = result
        return [ids[m.local_id] for m in messages]

    def _send_group(self, path: str, group: list[OutgoingSms]) -> list[SendResult]:
        data = {
            "receptor": ",".join(m.to for m in group),
            "linenumber": self.sender_for(group[0].line),
            "message": ",".join(m.body for m in group) if path.endswith("pair") else group[0].body,
            "checkid": ",".join(m.local_id for m in group),
        }
        try:
            items = self._post(path, data)
        except _Refused as error:
            if error.code not in _MESSAGE_CODES:
                raise SmsAccountError(str(error)) from error
            if len(group) > 1:
                return [r for m in group for r in self._send_group("sms/send/bulk", [m])]
            return [SendResult(group[0].local_id, DeliveryStatus.FAILED, error=str(error))]
        if not isinstance(items, list) or len(items) != len(group):
            raise TransientSmsError(f"{path}: the answer lists no id per message")
        return [
            SendResult(m.local_id, DeliveryStatus.SENT, str(item))
            for m, item in zip(group, items, strict=True)
        ]

    def statuses(self, provider_message_ids: Sequence[str]) -> list[StatusReport]:
        reports = []
        ids = [str(i) for i in provider_message_ids if str(i)]
        for start in range(0, len(ids), STATUS_LIMIT):
            chunk = ids[start : start + STATUS_LIMIT]
            items = self._account_post(
                "sms/status", {"id": ",".join(chunk), "type": STATUS_BY_MESSAGE_ID}
            )
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict) or str(item.get("id", "")) not in chunk:
                    continue
                status = STATUS_MAP.get(answer_int(item.get("status")))
                if status is not None:
                    reports.append(StatusReport(str(item["id"]), status))
        return reports

    def inbound(self) -> list[InboundSms]:
        received: list[InboundSms] = []
        for line in self.receiving_lines():
            items = self._account_post("sms/receive/last", {"linenumber": line, "isread": 0})
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                received.append(
                    InboundSms(
                        provider_id=str(item.get("messageid", "")),
                        sender=str(item.get("sender", "")),
                        line_number=str(item.get("linenumber") or line),
                        body=str(item.get("message", "")),
                        received_at=answer_moment(item.get("date")),
                    )
                )
        return received

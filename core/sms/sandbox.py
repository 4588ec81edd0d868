"""The SMS sandbox: a provider that behaves like the real ones, without a network.

Its state lives in Redis under the cache key prefix (``<KEY_PREFIX>:smssandbox:…``), so a
test run and a ``make run`` never see each other's messages. What happens to a message
depends on the recipient's last four digits (decision 034):

- ``0000``: refused at sending, invalid number (FAILED);
- ``1111``: BLACKLISTED on the promotional line (it blocked advertising); the service line
  delivers;
- ``2222``: accepted, later reported UNDELIVERED;
- ``3333``: the first call that contains it is carried out but its answer is lost
  (``TransientSmsError``, a timeout); the call tried again answers, and delivers nothing
  twice;
- anything else: accepted, later reported DELIVERED.

Reports become available ``SMS_SANDBOX_REPORT_SECONDS`` after sending. A ``local_id`` sent
again returns the first answer and counts one delivery. A batch is one Redis round trip
(a Lua script): a batch of 100 takes about 2 ms (decision 034).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.conf import settings
from redis import Redis
from redis.commands.core import Script

from core.redis import UNAVAILABLE, redis_client
from core.sms.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingSms,
    PermanentSmsError,
    SendResult,
    SmsBackend,
    SmsReceipt,
    StatusReport,
    TransientSmsError,
)

INVALID, BLACKLISTED_ON_PROMOTIONAL, UNDELIVERED, LOST_ANSWER = "0000", "1111", "2222", "3333"

# KEYS: calls counter, delivered counter, n message keys, then the "already lost once"
# keys of the 3333 numbers. ARGV: ttl, n, number of 3333 keys, then per message its
# record and "1" when it will reach the phone. Returns: 1 when the answer is to be lost,
# then per message "" (new) or the record stored by the first call with that local id.
_SEND_SCRIPT = """
local ttl = ARGV[1]
local n = tonumber(ARGV[2])
local flaky = tonumber(ARGV[3])
redis.call('INCR', KEYS[1])
local lost = 0
for j = 1, flaky do
  if redis.call('SET', KEYS[2 + n + j], '1', 'NX', 'EX', ttl) then lost = 1 end
end
local out = {lost}
local delivered = 0
for i = 1, n do
  local key = KEYS[2 + i]
  if redis.call('SET', key, ARGV[2 + 2 * i], 'NX', 'EX', ttl) then
    out[#out + 1] = ''
    if ARGV[3 + 2 * i] == '1' then delivered = delivered + 1 end
  else
    out[#out + 1] = redis.call('GET', key)
  end
end
if delivered > 0 then redis.call('INCRBY', KEYS[2], delivered) end
return out
"""


def _prefix() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:smssandbox"


def _now() -> float:
    return time.time()


def _ttl() -> int:
    return int(settings.SMS_SANDBOX_KEEP_SECONDS)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode() if isinstance(value, bytes) else str(value)


def _tail(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())[-4:]


@cache
def _send_script(client: Redis) -> Script:
    return client.register_script(_SEND_SCRIPT)


def _outcome(message: OutgoingSms) -> tuple[str, str, str]:
    """(status at sending, final status, error) for ``message``."""
    tail = _tail(message.to)
    if tail == INVALID:
        return DeliveryStatus.FAILED, DeliveryStatus.FAILED, "invalid number"
    if tail == BLACKLISTED_ON_PROMOTIONAL and message.line == "promotional":
        return DeliveryStatus.BLACKLISTED, DeliveryStatus.BLACKLISTED, "blocked advertising"
    if tail == UNDELIVERED:
        return DeliveryStatus.SENT, DeliveryStatus.UNDELIVERED, ""
    return DeliveryStatus.SENT, DeliveryStatus.DELIVERED, ""


class SandboxBackend(SmsBackend):
    """The development and test provider (``SMS_BACKEND=sandbox``; refused in production)."""

    name = "sandbox"
    max_batch = 100

    def sender_for(self, line: str) -> str:
        if line == "promotional":
            return settings.SMS_SANDBOX_PROMOTIONAL_LINE
        return settings.SMS_SANDBOX_SERVICE_LINE

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        message = OutgoingSms(local_id=local_id, to=to, body=body, line="service")
        result = self.send_batch([message])[0]
        if result.status != DeliveryStatus.SENT:
            raise PermanentSmsError(result.error or result.status)
        return SmsReceipt(provider_message_id=result.provider_message_id)

    def send_batch(self, messages: Sequence[OutgoingSms]) -> list[SendResult]:
        self._check_batch(messages)
        prefix, now = _prefix(), _now()
        report_at = now + float(settings.SMS_SANDBOX_REPORT_SECONDS)
        keys = [f"{prefix}:calls:send", f"{prefix}:delivered"]
        records: list[str] = []
        flags: list[str] = []
        fresh: list[dict[str, Any]] = []
        flaky: list[str] = []
        for message in messages:
            status, final, error = _outcome(message)
            record: dict[str, Any] = {
                "id": f"{self.name}-{message.local_id}",
                "local_id": message.local_id,
                "to": message.to,
                "line": message.line,
                "sender": self.sender_for(message.line),
                "body": message.body,
                "status": str(status),
                "final": str(final),
                "error": error,
                "sent_at": now,
                "report_at": report_at,
            }
            fresh.append(record)
            keys.append(f"{prefix}:m:{message.local_id}")
            records.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            flags.append("1" if final == DeliveryStatus.DELIVERED else "0")
            if _tail(message.to) == LOST_ANSWER:
                flaky.append(f"{prefix}:lost:{message.to}")
        keys.extend(flaky)
        argv: list[str | int] = [_ttl(), len(messages), len(flaky)]
        for text, flag in zip(records, flags, strict=True):
            argv.extend((text, flag))
        client = redis_client()
        try:
            answer = _send_script(client)(keys=keys, args=argv)
        except UNAVAILABLE as error:
            raise TransientSmsError(f"sandbox: Redis did not answer ({error})") from error
        if int(answer[0]):
            raise TransientSmsError("sandbox: read timed out (the messages were taken)")
        results = []
        for record, stored in zip(fresh, answer[1:], strict=True):
            kept = json.loads(_text(stored)) if stored else record
            results.append(
                SendResult(
                    local_id=record["local_id"],
                    status=kept["status"],
                    provider_message_id=kept["id"] if kept["status"] == DeliveryStatus.SENT else "",
                    error=kept["error"],
                )
            )
        return results

    def statuses(self, provider_message_ids: Sequence[str]) -> list[StatusReport]:
        prefix, now = _prefix(), _now()
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(f"{prefix}:calls:status")
        for provider_id in provider_message_ids:
            pipe.get(f"{prefix}:m:{provider_id.partition('-')[2]}")
        try:
            answers = pipe.execute()[1:]
        except UNAVAILABLE as error:
            raise TransientSmsError(f"sandbox: Redis did not answer ({error})") from error
        reports = []
        for provider_id, stored in zip(provider_message_ids, answers, strict=True):
            if not stored:
                continue
            record = json.loads(_text(stored))
            if record["id"] != provider_id:
                continue
            if record["status"] != DeliveryStatus.SENT or now >= record["report_at"]:
                status = record["final"]
            else:
                status = DeliveryStatus.SENT
            reports.append(StatusReport(provider_message_id=provider_id, status=status))
        return reports

    def inbound(self) -> list[InboundSms]:
        prefix = _prefix()
        pipe = redis_client().pipeline(transaction=True)
        pipe.incr(f"{prefix}:calls:inbound")
        pipe.lrange(f"{prefix}:inbound", 0, -1)
        pipe.delete(f"{prefix}:inbound")
        try:
            _calls, items, _deleted = pipe.execute()
        except UNAVAILABLE as error:
            raise TransientSmsError(f"sandbox: Redis did not answer ({error})") from error
        received = []
        for item in items:
            data = json.loads(_text(item))
            received.append(
                InboundSms(
                    provider_id=data["id"],
                    sender=data["sender"],
                    line_number=data["line_number"],
                    body=data["body"],
                    received_at=dt.datetime.fromtimestamp(data["at"], tz=dt.UTC),
                )
            )
        return received


def sandbox_inbound_add(sender: str, body: str, *, line_number: str = "") -> str:
    """Queue a message from ``sender`` (to our service line unless ``line_number`` says
    otherwise) that the next ``inbound()`` returns once. Returns its provider id."""
    prefix = _prefix()
    client = redis_client()
    provider_id = f"sandbox-in-{client.incr(f'{prefix}:inbound-seq')}"
    item = {
        "id": provider_id,
        "sender": sender,
        "line_number": line_number or settings.SMS_SANDBOX_SERVICE_LINE,
        "body": body,
        "at": _now(),
    }
    pipe = client.pipeline(transaction=True)
    pipe.rpush(f"{prefix}:inbound", json.dumps(item, ensure_ascii=False))
    pipe.expire(f"{prefix}:inbound", _ttl())
    pipe.execute()
    return provider_id


def sandbox_inbound_pending() -> int:
    """How many received messages wait for the next ``inbound()``."""
    return int(redis_client().llen(f"{_prefix()}:inbound"))


def sandbox_sent(local_id: str) -> dict[str, Any] | None:
    """What the sandbox keeps of the message sent with ``local_id`` (recipient, line,
    sender, text, status at sending and final status), or ``None``."""
    stored = redis_client().get(f"{_prefix()}:m:{local_id}")
    return json.loads(_text(stored)) if stored else None


def sandbox_delivered_count() -> int:
    """Messages that reached (or will reach) a phone, each local id counted once."""
    return int(redis_client().get(f"{_prefix()}:delivered") or 0)


def sandbox_calls(kind: str = "send") -> int:
    """Calls made to the sandbox: ``send`` (batches), ``status`` or ``inbound``."""
    return int(redis_client().get(f"{_prefix()}:calls:{kind}") or 0)

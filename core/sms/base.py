"""The SMS gateway interface every provider implements (decisions 004 and 034).

``send`` sends one message (the per-message task of decision 004). ``send_batch``,
``statuses`` and ``inbound`` are what an outbox drains through: up to ``max_batch``
messages per call, delivery reports by provider id, and the replies customers sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class TransientSmsError(Exception):
    """The provider could not be reached or asked us to retry later."""


class PermanentSmsError(Exception):
    """The provider refused the message for good (bad number, no credit, bad key)."""


class SmsAccountError(TransientSmsError):
    """A batch call refused for the whole account (bad key, no credit, a sender line it
    does not own). Nothing was sent; trying later is right once someone fixes the account,
    so it is a ``TransientSmsError`` — catch this class first to alert someone."""


class DeliveryStatus(models.TextChoices):
    """Where a message stands at the provider, in our words (decision 034 maps each
    provider's codes to these)."""

    QUEUED = "queued", _("Queued at the provider")
    SENT = "sent", _("Sent to the operator")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    BLACKLISTED = "blacklisted", _("Blocked advertising")
    FAILED = "failed", _("Failed")


FINAL_STATUSES = frozenset(
    {
        DeliveryStatus.DELIVERED,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.BLACKLISTED,
        DeliveryStatus.FAILED,
    }
)


@dataclass(frozen=True)
class SmsReceipt:
    provider_message_id: str


@dataclass(frozen=True)
class OutgoingSms:
    local_id: str  # ours, unique per message: the provider refuses to deliver it twice
    to: str
    body: str
    line: str  # core.sms.parts.Line: "service" or "promotional"


@dataclass(frozen=True)
class SendResult:
    local_id: str
    # DeliveryStatus: SENT (accepted), FAILED (refused for good, e.g. an invalid number),
    # BLACKLISTED (the number blocked advertising).
    status: str
    provider_message_id: str = ""
    error: str = ""


@dataclass(frozen=True)
class StatusReport:
    provider_message_id: str
    status: str  # DeliveryStatus


@dataclass(frozen=True)
class InboundSms:
    provider_id: str
    sender: str
    line_number: str
    body: str
    received_at: dt.datetime  # aware


class SmsBackend:
    """A provider. ``local_id`` is unique per message: the provider uses it to refuse a
    second delivery of the same message, so a call retried after a lost answer is
    harmless."""

    name = "base"
    max_batch: int = 100  # numbers per call the provider allows

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        raise NotImplementedError

    def send_batch(self, messages: Sequence[OutgoingSms]) -> list[SendResult]:
        """One result per message, in order (``len(messages) <= max_batch``). Raises
        ``TransientSmsError`` when the whole call should be tried again later (timeout,
        server trouble, throttling; ``SmsAccountError`` when the account itself is
        refused); the same ``local_id`` sent again never delivers twice."""
        raise NotImplementedError

    def statuses(self, provider_message_ids: Sequence[str]) -> list[StatusReport]:
        """Reports for the ids the provider knows (unknown ones are left out); may raise
        ``TransientSmsError``."""
        raise NotImplementedError

    def inbound(self) -> list[InboundSms]:
        """Messages received since the last call (the provider marks them read); may
        raise ``TransientSmsError``."""
        raise NotImplementedError

    def sender_for(self, line: str) -> str:
        """The sender number used for ``line`` (settings; "" lets the provider choose)."""
        raise NotImplementedError

    def receiving_lines(self) -> list[str]:
        """Our line numbers, each once: where customers' replies arrive."""
        numbers = (self.sender_for("service"), self.sender_for("promotional"))
        return list(dict.fromkeys(number for number in numbers if number))

    def _check_batch(self, messages: Sequence[OutgoingSms]) -> None:
        if len(messages) > self.max_batch:
            raise ValueError(
                f"{len(messages)} messages in one call; {self.name} takes {self.max_batch}"
            )


SANDBOX_NAMES = frozenset({"sandbox", "dev"})

BACKENDS = {
    "sandbox": "core.sms.sandbox.SandboxBackend",
    # The name of the development backend before the sandbox; same behaviour.
    "dev": "core.sms.dev.DevelopmentBackend",
    "kavenegar": "core.sms.kavenegar.KavenegarBackend",
    "ghasedak": "core.sms.ghasedak.GhasedakBackend",
}


def sms_sandbox_active() -> bool:
    """True when messages go to the sandbox (development, tests): nothing leaves the
    machine, so stored texts need no masking and /dev/sms/ may show them."""
    return settings.SMS_BACKEND in SANDBOX_NAMES


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    return import_string(path)


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    return _backend_class(BACKENDS.get(name, name))()


def answer_int(value: Any) -> int:
    """A number in a provider's answer (-1 when it is not one)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def answer_moment(value: Any) -> dt.datetime:
    """A provider's date (Unix time, or ISO text, UTC when naive) as an aware datetime;
    now when missing or unreadable."""
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        pass
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return dt.datetime.now(tz=dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

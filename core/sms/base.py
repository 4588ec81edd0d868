from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class TransientSmsError(Exception):
    """The provider could not be reached or asked us to retry later."""


class PermanentSmsError(Exception):
    """The provider refused the message for good (bad number, no credit, bad key)."""


@dataclass(frozen=True)
class SmsReceipt:
    provider_message_id: str


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Undelivered")
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
class OutgoingSms:
    local_id: str
    to: str
    body: str
    line: str  # core.sms.parts.Line


@dataclass(frozen=True)
class SendResult:
    local_id: str
    status: str  # DeliveryStatus: SENT (accepted), FAILED or BLACKLISTED (refused)
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
    received_at: datetime


class SmsBackend:
    """Sends messages. ``local_id`` is unique per message: providers that support it
    use it to refuse a second delivery of the same message."""

    name = "base"
    max_batch = 100

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        raise NotImplementedError

    def send_batch(self, messages: Sequence[OutgoingSms]) -> list[SendResult]:
        """One result per message, in order; ``TransientSmsError`` to retry the whole call."""
        results = []
        for message in messages:
            try:
                receipt = self.send(to=message.to, body=message.body, local_id=message.local_id)
            except PermanentSmsError as error:
                results.append(SendResult(message.local_id, DeliveryStatus.FAILED, "", str(error)))
            else:
                results.append(
                    SendResult(message.local_id, DeliveryStatus.SENT, receipt.provider_message_id)
                )
        return results

    def statuses(self, provider_message_ids: Sequence[str]) -> list[StatusReport]:
        return []

    def inbound(self) -> list[InboundSms]:
        return []

    def sender_for(self, line: str) -> str:
        return ""


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

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from core.models import SmsMessage

MASK = "******"


def sms_queue(
    *,
    to: str,
    body: str,
    kind: str = "general",
    agency_id: int | None = None,
    sensitive_parts: tuple[str, ...] = (),
) -> SmsMessage:
    """Record an SMS and send it from a Celery task once the transaction commits.

    ``sensitive_parts`` (a one-time code, say) are masked in the stored text unless the
    development backend is in use; the clear text travels only in the task's arguments,
    whose printed form is masked too.
    """
    from core.tasks import sms_send

    sensitive = bool(sensitive_parts)
    stored = body
    if sensitive and settings.SMS_BACKEND != "dev":
        for part in sensitive_parts:
            stored = stored.replace(part, MASK)
    message = SmsMessage.objects.create(
        to=to, body=stored, kind=kind, agency_id=agency_id, sensitive=sensitive
    )
    clear_body = body if sensitive and stored != body else None
    transaction.on_commit(
        lambda: sms_send.apply_async(
            kwargs={"message_id": message.pk, "clear_body": clear_body},
            kwargsrepr=repr({"message_id": message.pk, "clear_body": MASK if clear_body else None}),
        )
    )
    return message

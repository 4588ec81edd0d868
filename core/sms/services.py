from __future__ import annotations

from django.conf import settings
from django.db import transaction

from core.models import SmsMessage
from core.redis import redis_client

MASK = "******"
# How long the clear text of a masked message waits for its sending (retries included).
CLEAR_TEXT_TTL_SECONDS = 15 * 60


def _clear_text_key(message_id: int) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:core:sms-clear:{message_id}"


def sms_clear_text(*, message: SmsMessage) -> str | None:
    """The text to send: the stored one, or for a masked message its clear text (``None``
    once expired)."""
    if MASK not in message.body or not message.sensitive:
        return message.body
    value = redis_client().get(_clear_text_key(message.pk))
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def sms_clear_text_forget(*, message_id: int) -> None:
    redis_client().delete(_clear_text_key(message_id))


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
    development backend is in use. The clear text then waits in Redis for at most
    fifteen minutes, for the task alone: it is in no table, no task argument and no log.
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
    if stored != body:
        redis_client().set(_clear_text_key(message.pk), body, ex=CLEAR_TEXT_TTL_SECONDS)
    message_id = message.pk
    transaction.on_commit(lambda: sms_send.delay(message_id=message_id))
    return message

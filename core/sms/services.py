from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.models import SmsMessage
from core.queue import enqueue_on_commit
from core.redis import redis_client
from core.sms.base import sms_sandbox_active

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


# A message is normally claimed by a worker within seconds of its commit. One still queued
# and never tried after SMS_STRANDED_AFTER was most likely never sent to a worker (the broker
# was down); one tried but left queued for SMS_RETRY_LOST_AFTER lost its retry (the longest
# back-off is five minutes). Older than SMS_STRANDED_WITHIN, a message is no longer worth
# sending. A message merely waiting behind a long queue is sent once all the same: the
# second task finds it claimed or sent and skips it.
SMS_STRANDED_AFTER = dt.timedelta(minutes=2)
SMS_RETRY_LOST_AFTER = dt.timedelta(minutes=10)
SMS_STRANDED_WITHIN = dt.timedelta(days=1)


def sms_stranded(
    *, now: dt.datetime | None = None, max_attempts: int, limit: int = 500
) -> list[int]:
    """Messages that are still queued but that no worker will take: never handed to the
    broker, or whose retry was lost (fewer than ``max_attempts`` tries), oldest first."""
    now = now or timezone.now()
    return list(
        SmsMessage.objects.filter(
            status=SmsMessage.Status.QUEUED,
            created_at__lt=now - SMS_STRANDED_AFTER,
            created_at__gte=now - SMS_STRANDED_WITHIN,
        )
        .filter(
            Q(attempts=0) | Q(attempts__lt=max_attempts, claimed_at__lt=now - SMS_RETRY_LOST_AFTER)
        )
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )


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
    if sensitive and not sms_sandbox_active():
        for part in sensitive_parts:
            stored = stored.replace(part, MASK)
    message = SmsMessage.objects.create(
        to=to, body=stored, kind=kind, agency_id=agency_id, sensitive=sensitive
    )
    if stored != body:
        redis_client().set(_clear_text_key(message.pk), body, ex=CLEAR_TEXT_TTL_SECONDS)
    # A broker that cannot be reached after the commit loses nothing: ``sms_resume``
    # (beat) sends what is still queued.
    enqueue_on_commit(sms_send, message_id=message.pk)
    return message

"""Celery tasks of the infrastructure: thin, idempotent, safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.db.models import F, Q
from django.utils import timezone

from core.models import SmsMessage
from core.sms.base import PermanentSmsError, TransientSmsError, get_backend
from core.sms.services import sms_clear_text, sms_clear_text_forget, sms_stranded

logger = logging.getLogger(__name__)

SMS_MAX_ATTEMPTS = 6
# A claim older than this belonged to a worker that died; the message may be taken again.
SMS_CLAIM_TIMEOUT = dt.timedelta(minutes=5)
SMS_MAX_BACKOFF_SECONDS = 300


@shared_task(
    bind=True, acks_late=True, max_retries=SMS_MAX_ATTEMPTS, soft_time_limit=50, time_limit=60
)
def sms_send(self, *, message_id: int) -> str | Retry:
    """Send one logged SMS. A sent message is never sent again; a provider that was not
    reached is retried with exponential back-off."""
    now = timezone.now()
    claimable = Q(status=SmsMessage.Status.QUEUED) | Q(
        status=SmsMessage.Status.SENDING, claimed_at__lt=now - SMS_CLAIM_TIMEOUT
    )
    claimed = SmsMessage.objects.filter(claimable, pk=message_id).update(
        status=SmsMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        status = SmsMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
        return f"skipped ({status or 'missing'})"
    message = SmsMessage.objects.get(pk=message_id)
    backend = get_backend()
    body = sms_clear_text(message=message)
    if body is None:
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsMessage.Status.FAILED, last_error="clear text expired", backend=backend.name
        )
        logger.warning("SMS %s not sent: its clear text expired", message_id)
        return "failed"
    try:
        receipt = backend.send(to=message.to, body=body, local_id=str(message.pk))
    except (TransientSmsError, SoftTimeLimitExceeded) as error:
        # Not reached, or no answer in time: the ``localid`` makes the next try harmless
        # even if this one got through.
        exhausted = self.request.retries >= SMS_MAX_ATTEMPTS
        status = SmsMessage.Status.FAILED if exhausted else SmsMessage.Status.QUEUED
        SmsMessage.objects.filter(pk=message_id, status=SmsMessage.Status.SENDING).update(
            status=status, last_error=_error_text(error), backend=backend.name
        )
        if exhausted:
            logger.warning("SMS %s failed after %s tries", message_id, message.attempts)
            sms_clear_text_forget(message_id=message_id)
            return "failed"
        countdown = min(2 ** (self.request.retries + 1), SMS_MAX_BACKOFF_SECONDS)
        logger.info("SMS %s not sent (%s), retrying in %ss", message_id, backend.name, countdown)
        if self.request.is_eager:
            # Eager mode (tests): Celery runs a returned retry again at once, whereas a
            # raised one escapes to the code that queued the message.
            return self.retry(countdown=countdown, throw=False)
        raise self.retry(countdown=countdown) from error
    except PermanentSmsError as error:
        SmsMessage.objects.filter(pk=message_id, status=SmsMessage.Status.SENDING).update(
            status=SmsMessage.Status.FAILED, last_error=_error_text(error), backend=backend.name
        )
        logger.warning("SMS %s refused by %s: %s", message_id, backend.name, error)
        sms_clear_text_forget(message_id=message_id)
        return "failed"
    SmsMessage.objects.filter(pk=message_id).update(
        status=SmsMessage.Status.SENT,
        sent_at=timezone.now(),
        provider_message_id=receipt.provider_message_id,
        backend=backend.name,
        last_error="",
    )
    sms_clear_text_forget(message_id=message_id)
    logger.info("SMS %s sent by %s", message_id, backend.name)
    return "sent"


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sms_resume() -> int:
    """Send again what was queued but never reached a worker (beat): the broker was down
    when the message committed, or a retry was lost. Sending is claimed, so a message that
    is in fact under way is not sent twice."""
    from core.queue import enqueue

    stranded = sms_stranded(max_attempts=SMS_MAX_ATTEMPTS)
    for message_id in stranded:
        enqueue(sms_send, message_id=message_id)
    return len(stranded)


def _error_text(error: Exception) -> str:
    return (str(error) or error.__class__.__name__)[:500]


# --- Batched messages (core.sms.outbox) -------------------------------------------------------

# How long one drain keeps sending before it hands over to a fresh task (a long queue then
# moves through several short tasks, and a worker restart loses at most one batch's answer).
SMS_DRAIN_BUDGET_SECONDS = 45


@shared_task(acks_late=True, soft_time_limit=80, time_limit=90)
def sms_drain() -> int:
    """Send due batched messages, a provider batch at a time, until none is due or the
    budget is spent (then a fresh drain goes on). Beat runs it every minute; a queued send
    kicks it at once. Any number may run together: rows are claimed with SKIP LOCKED."""
    import time

    from core.queue import enqueue
    from core.sms.outbox import sms_drain_batch, sms_release_stale

    sms_release_stale()
    backend = get_backend()
    started = time.monotonic()
    sent = 0
    while True:
        claimed = sms_drain_batch(backend=backend)
        sent += claimed
        if not claimed:
            return sent
        if time.monotonic() - started > SMS_DRAIN_BUDGET_SECONDS:
            enqueue(sms_drain)
            return sent


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120)
def sms_reports_poll() -> int:
    """Read delivery reports of sent messages (beat, every minute)."""
    from core.sms.outbox import sms_reports_poll as poll

    return poll()


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sms_inbound_poll() -> int:
    """Read customers' messages to our lines (beat, every minute)."""
    from core.sms.outbox import sms_inbound_poll as poll

    return len(poll())

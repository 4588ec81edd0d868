"""Celery tasks of the infrastructure: thin, idempotent, safe to run twice."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db.models import F, Q
from django.utils import timezone

from core.models import SmsMessage
from core.sms.base import PermanentSmsError, TransientSmsError, get_backend
from core.sms.services import sms_clear_text, sms_clear_text_forget

logger = logging.getLogger(__name__)

SMS_MAX_ATTEMPTS = 6
# A claim older than this belonged to a worker that died; the message may be taken again.
SMS_CLAIM_TIMEOUT = dt.timedelta(minutes=5)


@shared_task(
    bind=True, acks_late=True, max_retries=SMS_MAX_ATTEMPTS, soft_time_limit=50, time_limit=60
)
def sms_send(self, *, message_id: int) -> str:
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
        return "failed"
    try:
        receipt = backend.send(to=message.to, body=body, local_id=str(message.pk))
    except TransientSmsError as error:
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsMessage.Status.QUEUED, last_error=str(error)[:500], backend=backend.name
        )
        if self.request.retries >= SMS_MAX_ATTEMPTS:
            SmsMessage.objects.filter(pk=message_id).update(status=SmsMessage.Status.FAILED)
            return "failed"
        raise self.retry(countdown=min(2 ** (self.request.retries + 1), 300)) from error
    except PermanentSmsError as error:
        SmsMessage.objects.filter(pk=message_id).update(
            status=SmsMessage.Status.FAILED, last_error=str(error)[:500], backend=backend.name
        )
        logger.warning("SMS %s refused by provider: %s", message_id, error)
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
    return "sent"

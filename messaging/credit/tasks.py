"""Background work of SMS credit: asking the bank about top-ups whose owners never came
back (safe to run twice: a settled payment is left alone, a verified one credited once)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def top_ups_reconcile() -> int:
    """Settle open online top-ups older than a quarter of an hour; returns how many."""
    from django.core.exceptions import ValidationError

    from core.models import SmsTopUpPayment
    from core.payments.base import PaymentGatewayError
    from messaging.credit.services import top_up_payment_reconcile, top_ups_to_reconcile

    done = 0
    for payment_id in top_ups_to_reconcile():
        payment = SmsTopUpPayment.objects.get(pk=payment_id)
        try:
            top_up_payment_reconcile(payment=payment)
        except (ValidationError, PaymentGatewayError):
            continue
        done += 1
    return done

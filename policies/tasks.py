"""Celery tasks of the sale: thin, idempotent, enqueued on commit."""

from __future__ import annotations

from celery import shared_task

from policies.models import Payment


@shared_task(
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=100,
    time_limit=120,
)
def policy_pdf_render(policy_id: int) -> bool:
    """Render a policy's PDF and text the customer its link (once, however often it runs)."""
    from policies.services.documents import policy_pdf_render as render

    return render(policy_id=policy_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def policy_pdfs_resume() -> int:
    """Queue the PDFs of policies whose rendering never reached a worker (beat)."""
    from core.queue import enqueue
    from policies.services.documents import policies_without_pdf

    missing = policies_without_pdf()
    for policy_id in missing:
        enqueue(policy_pdf_render, policy_id)
    return len(missing)


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def payments_reconcile() -> int:
    """Ask the bank about payments whose customers never came back; returns how many."""
    from core.payments.base import PaymentGatewayError
    from policies.services.payments import (
        PaymentUnavailable,
        payment_reconcile,
        payments_to_reconcile,
    )

    done = 0
    for payment_id in payments_to_reconcile():
        payment = Payment.objects.get(pk=payment_id)
        try:
            payment_reconcile(payment=payment)
        except (PaymentUnavailable, PaymentGatewayError):
            continue
        done += 1
    return done


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def quote_flush() -> int:
    """Store the quotes answered from memory and waiting in Redis (safe to run twice)."""
    from policies.services.quotes import quote_flush as flush

    return flush()

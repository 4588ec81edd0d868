"""Celery tasks of support: thin, and safe to run twice (every step re-checks under a lock or
claims its row with a conditional update)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def support_answer_notify(message_id: int) -> bool:
    """Text and e-mail the customer or agency about one answer (once)."""
    from support.services import answer_notify

    return answer_notify(message_id=message_id)


@shared_task(acks_late=True, soft_time_limit=110, time_limit=120)
def support_tickets_sweep() -> dict[str, int]:
    """Beat, every five minutes: escalate late tickets, and send the answer notices whose
    task never reached the broker."""
    from support.services import answer_notices_resume, tickets_escalate_due

    return {"escalated": tickets_escalate_due(), "notices": answer_notices_resume()}

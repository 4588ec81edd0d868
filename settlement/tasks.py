"""Celery tasks of settlement: thin and safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def commissions_backfill() -> int:
    """Compute the commissions of issued policies that have none yet."""
    from settlement.services.commissions import commission_compute, commissions_missing

    return sum(commission_compute(policy_id=pk) is not None for pk in commissions_missing())

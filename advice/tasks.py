"""Celery tasks of advice requests: thin and safe to run twice (each step re-checks under a
row lock)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def advice_sweep() -> int:
    """Widen the requests whose wave ran out unanswered and expire the lapsed ones (beat)."""
    from advice.services import advice_sweep as sweep

    return sweep()

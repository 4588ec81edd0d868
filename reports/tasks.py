"""Celery tasks of the reports: the per-day summaries (decision 060). Safe to run twice: a
roll-up deletes and inserts its day's rows in one transaction."""

from __future__ import annotations

import datetime as dt
from functools import partial

from celery import shared_task
from django.db import transaction


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def report_summaries_refresh() -> int:
    """Beat: queue the roll-up of every ended day not rolled up yet (of the last weeks) and
    of every day changed since its roll-up. The number of days queued."""
    from reports.summaries import summary_days_due

    days = summary_days_due()
    for day in days:
        transaction.on_commit(partial(report_summary_day_rollup.delay, day.isoformat()))
    return len(days)


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def report_summary_day_rollup(day: str) -> int:
    """Roll up one ended Tehran day (ISO date); nothing for a day that has not ended."""
    from reports.summaries import summary_days_rollup

    date = dt.date.fromisoformat(day)
    return summary_days_rollup(first=date, last=date)

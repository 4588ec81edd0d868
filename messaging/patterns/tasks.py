"""Contact patterns' runs: one beat entry, one message per active agency (decision 024)."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from tenants.models import Agency
from tenants.tenant_tasks import tenant_fan_out, tenant_task


@tenant_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def messaging_patterns_run(schema_name: str) -> int:
    """The day's pattern messages of this agency; returns how many were queued. Running it
    again the same day queues nothing more (each decision is taken once)."""
    from messaging.patterns.run import patterns_run

    agency = connection.tenant  # type: ignore[attr-defined]
    if agency.status != Agency.Status.ACTIVE:
        return 0
    return patterns_run(agency=agency).sent


@shared_task
def messaging_patterns_sweep() -> int:
    """Beat, hourly: the day's run of every active agency, spread over ten minutes. The run
    is repeated each hour so that a claim filed or paid today gets its message today; a
    repeat finds the earlier decisions and sends nothing twice."""
    return tenant_fan_out(messaging_patterns_run, window_seconds=10 * 60)

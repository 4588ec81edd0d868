"""Bulk sends in the background (decision 038): thin tenant tasks that call the services."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from tenants.tenant_tasks import tenant_fan_out, tenant_task


@tenant_task(acks_late=True, time_limit=30 * 60, soft_time_limit=29 * 60)
def bulk_send_run(schema_name: str, bulk_id: int) -> int:
    """Queue a due send's recipients in the outbox; a second run queues nothing again."""
    from messaging.bulk.services import bulk_send_run as run

    return run(agency=connection.tenant, bulk_id=bulk_id)  # type: ignore[attr-defined]


@tenant_task(acks_late=True, time_limit=30 * 60)
def bulk_sweep_agency(schema_name: str) -> int:
    from messaging.bulk.services import bulk_sweep

    return bulk_sweep(agency=connection.tenant)  # type: ignore[attr-defined]


@shared_task
def bulk_sweep() -> int:
    """Beat, hourly: each active agency looks for sends whose start never reached a worker
    (their own ``eta`` message is the usual start), expansions left behind, and sends whose
    messages have all gone (one indexed query each)."""
    return tenant_fan_out(bulk_sweep_agency, window_seconds=10 * 60)

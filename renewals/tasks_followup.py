"""Celery tasks of the follow-up calls (decision 044), imported from ``renewals.mounts``."""

from __future__ import annotations

from django.db import connection

from tenants.tenant_tasks import tenant_task


@tenant_task
def renewals_followup_return_sms(schema_name: str, return_id: int) -> int | None:
    """Text the agency's owner about a follow-up sent back (once, however often run)."""
    from renewals.services.followup import followup_return_sms

    agency = connection.tenant  # type: ignore[attr-defined]
    return followup_return_sms(agency=agency, return_id=return_id)

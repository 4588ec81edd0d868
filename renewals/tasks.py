"""The renewal lists' day: one beat entry, one message per active agency (decision 041)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.db import connection

from tenants.models import Agency
from tenants.services import AgencyNotActive
from tenants.tenant_tasks import tenant_fan_out, tenant_task

logger = logging.getLogger(__name__)


@tenant_task(time_limit=10 * 60, soft_time_limit=9 * 60)
def renewals_day(schema_name: str, day: str | None = None) -> dict[str, Any] | None:
    """Build and give out the day's renewal, lapsed and follow-up items of this agency
    (``day`` an ISO date, by default today in Tehran). Running it again the same day builds
    nothing and moves nothing."""
    from renewals.services.engine import renewals_day_run

    agency = connection.tenant  # type: ignore[attr-defined]
    if agency.status != Agency.Status.ACTIVE:
        return None
    try:
        result = renewals_day_run(agency=agency, day=dt.date.fromisoformat(day) if day else None)
    except AgencyNotActive:
        logger.info("Renewal lists of %s skipped: the agency is not active", schema_name)
        return None
    return result.as_dict()


@shared_task
def renewals_sweep() -> int:
    """Beat, hourly: the day's lists of every active agency, spread over ten minutes. The
    day is Tehran's: the first run after midnight there builds and gives out the day's
    items; the later ones find them and do nothing, unless a policy entered the book since
    (it is built then and given out the next day)."""
    return tenant_fan_out(renewals_day, window_seconds=10 * 60)

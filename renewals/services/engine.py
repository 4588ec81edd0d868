"""The day's run of one agency's renewal lists (decision 041): every registered builder in
order, each in its own transaction, then the distribution of each kind's new items.

Each transaction holds the agency's day lock (a transaction-scoped advisory lock), so two
runs racing (two beats, a worker's message delivered twice) take turns; the builders insert
with ``ON CONFLICT DO NOTHING`` on (kind, policy) and a day's distribution of a kind is taken
once (unique kind and day), so the second run finds everything done: it builds nothing and
moves nothing.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

from crm.services.base import agency_write
from crm.tenancy import schema_require
from renewals.models import Kind
from renewals.services import clock
from renewals.services.day import DayResult, day_steps
from tenants.services import AgencyNotActive

_held = threading.local()


def _day_lock(agency: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"renewals.day:{agency.schema_name}"]
        )


@contextmanager
def day_write(agency: Any) -> Iterator[None]:
    """``agency_write`` (active agency, one transaction) holding the agency's day lock. A
    service called inside another's ``day_write`` joins it (no second check, lock or
    savepoint), so the engine's steps cost the same queries as the services alone."""
    schema_require(agency)
    if getattr(_held, "schema", None) == agency.schema_name and connection.in_atomic_block:
        yield
        return
    with agency_write(agency):
        _day_lock(agency)
        _held.schema = agency.schema_name
        try:
            yield
        finally:
            _held.schema = None


def renewals_day_run(
    *, agency: Any, day: dt.date | None = None, now: dt.datetime | None = None
) -> DayResult:
    """Build the day's items of ``agency`` (every registered step) and give out each kind's
    new items. An agency that is not active is skipped (nothing built). Safe to run again:
    the same day builds nothing more and moves nothing."""
    from renewals.services.distribution import kinds_distribute
    from renewals.services.pool import staff_pool

    schema_require(agency)
    day = day or clock.today()
    result = DayResult(day=day)
    try:
        for step in day_steps():
            with day_write(agency):
                result.built[step.key] = step.build(agency=agency, day=day)
        with day_write(agency):
            runs = kinds_distribute(
                agency=agency,
                kinds=[kind.value for kind in Kind],
                day=day,
                pool=staff_pool(agency, day, now),
            )
    except AgencyNotActive:
        # Not active (or suspended meanwhile): what a step committed stays, nothing more.
        return result
    result.given_out = {kind: run.items if run else 0 for kind, run in runs.items()}
    return result

"""Agency provisioning (S-1.4): ``agency_create`` with a warm spare pool, next to
django-tenants' stock schema creation, at 0, 500 and 2,000 agencies already present."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

from django.db import connection

from benchmarks._agencies import create_one, ensure_agencies, warm_pool
from benchmarks._report import Report, median, ms, percentile
from tenants import services
from tenants.models import Agency

ORDER = 10
TITLE = "Provisioning"
LEVELS = (0, 500, 2000)
SAMPLES = 40
STOCK_SAMPLES = 5
TARGET_SECONDS = 0.050


def _ours(samples: int, *, warm: bool = True) -> list[float]:
    if warm:
        warm_pool(samples)  # untimed: every measured creation claims a spare
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        create_one()
        timings.append(time.perf_counter() - started)
    return timings


def _empty_pool(samples: int) -> list[float]:
    """The fallback when the pool is empty: the schema is built inside the creation."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name FROM tenants_spareschema")
        spares = [row[0] for row in cursor.fetchall()]
        for name in spares:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
        cursor.execute("DELETE FROM tenants_spareschema")
    return _ours(samples, warm=False)


def _stock(samples: int) -> list[float]:
    """django-tenants' own creation: CREATE SCHEMA + migrate_schemas for that schema."""
    timings = []
    names = []
    for _ in range(samples):
        name = f"stock_{uuid.uuid4().hex[:12]}"
        tenant = Agency(code=0, name="stock", schema_name=name, latitude=0, longitude=0)
        started = time.perf_counter()
        tenant.create_schema(check_if_exists=True, verbosity=0)
        timings.append(time.perf_counter() - started)
        names.append(name)
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
    return timings


@contextmanager
def _stock_schema_creation() -> Iterator[None]:
    """agency_create with django-tenants' own schema creation instead of the pool:
    ``Agency.auto_create_schema = True``, so ``TenantMixin.save()`` runs
    ``create_schema`` (CREATE SCHEMA + migrate_schemas for it) and no spare is claimed."""
    claim = services.schema_claim
    services.schema_claim = lambda *, schema_name: "stock"  # type: ignore[assignment]
    Agency.auto_create_schema = True
    try:
        yield
    finally:
        services.schema_claim = claim
        Agency.auto_create_schema = False


def _stock_creation(samples: int) -> list[float]:
    """Whole creations (agency, schema, domain, content, owner, audit) the stock way."""
    timings = []
    # save() runs create_schema at verbosity 1: keep migrate's progress off the console.
    with _stock_schema_creation(), redirect_stdout(io.StringIO()):
        for _ in range(samples):
            started = time.perf_counter()
            create_one()
            timings.append(time.perf_counter() - started)
    return timings


def run(report: Report) -> None:
    for level in LEVELS:
        build, fill = ensure_agencies(level)
        present = Agency.objects.count()
        if fill:
            report.note(
                f"Filling to {present} agencies: spares built in {build:.1f} s, "
                f"agencies created through agency_create in {fill:.1f} s."
            )
        ours = _ours(SAMPLES)
        stock = _stock(STOCK_SAMPLES)
        stock_whole = _stock_creation(STOCK_SAMPLES)
        ours_median = median(ours)
        report.add(
            f"agency_create median, {present} agencies present ({SAMPLES} samples)",
            ms(ours_median),
            target="≤ 50 ms" if level == 2000 else "",
            passed=ours_median <= TARGET_SECONDS if level == 2000 else None,
        )
        report.add(f"agency_create p95, {present} agencies present", ms(percentile(ours, 0.95)))
        report.add(
            f"stock creation median (TenantMixin.save, auto_create_schema), {present} agencies "
            f"present ({STOCK_SAMPLES} samples)",
            ms(median(stock_whole)),
        )
        report.add(
            f"stock create_schema alone median, {present} agencies present "
            f"({STOCK_SAMPLES} samples)",
            ms(median(stock)),
        )
    empty = _empty_pool(STOCK_SAMPLES)
    report.add(
        f"agency_create median with an empty pool (schema built inline, {STOCK_SAMPLES} samples)",
        ms(median(empty)),
    )
    report.note(
        "agency_create is measured end to end (validation, advisory lock, schema claim by "
        "rename, agency, domain, default content in the agency schema, owner, membership, "
        "audit row, commit) with a warm spare pool; refills are not run inline."
    )
    report.note(
        "Stock creation: the same agency_create, but with Agency.auto_create_schema = True and "
        "no spare claimed, so TenantMixin.save() builds the schema the django-tenants way "
        "(CREATE SCHEMA and migrate_schemas for that schema). These agencies are kept and "
        "count towards the next level."
    )
    report.note(
        "Stock create_schema alone: an unsaved Agency with a unique schema name and "
        "TenantMixin.create_schema(check_if_exists=True, verbosity=0); those schemas are "
        "dropped."
    )

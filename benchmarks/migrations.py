"""Schema changes across many agencies: a no-op ``migrate_schemas`` over every agency
schema, next to django-tenants' stock command on a sample, extrapolated."""

from __future__ import annotations

import time
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from benchmarks._agencies import ensure_agencies
from benchmarks._report import Report
from tenants.models import Agency

ORDER = 30
TITLE = "Migrations"
AGENCIES = 2000
STOCK_SAMPLE = 20
TARGET_SECONDS = 20.0


def run(report: Report) -> None:
    ensure_agencies(AGENCIES)
    schemas = list(Agency.objects.order_by("code").values_list("schema_name", flat=True))
    out = StringIO()
    started = time.perf_counter()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    ours = time.perf_counter() - started
    summary = next((line for line in out.getvalue().splitlines() if "agency schemas" in line), "")
    report.add(
        f"migrate_schemas with nothing to do, {len(schemas)} agency schemas (public included)",
        f"{ours:.2f} s",
        target="≤ 20 s",
        passed=ours <= TARGET_SECONDS,
    )

    # A new migration of a shared app: every agency schema only needs its row recorded.
    with connection.cursor() as cursor:
        for name in schemas:
            cursor.execute(
                f'DELETE FROM "{name}".django_migrations '  # noqa: S608
                "WHERE app = 'sessions' AND name = '0001_initial'"
            )
    started = time.perf_counter()
    call_command("migrate_schemas", interactive=False, verbosity=0)
    recorded = time.perf_counter() - started
    report.add(
        f"migrate_schemas after a new shared-app migration, {len(schemas)} agency schemas",
        f"{recorded:.2f} s",
    )

    sample = schemas[:: max(1, len(schemas) // STOCK_SAMPLE)][:STOCK_SAMPLE]
    started = time.perf_counter()
    for name in sample:
        call_command(
            MigrateSchemasCommand(),
            schema_name=name,
            tenant=True,
            interactive=False,
            verbosity=0,
        )
    per_schema = (time.perf_counter() - started) / len(sample)
    report.add(
        f"stock migrate_schemas, per agency schema (sample of {len(sample)})", f"{per_schema:.3f} s"
    )
    report.add(
        f"stock migrate_schemas, {len(schemas)} agency schemas (extrapolated)",
        f"{per_schema * len(schemas):.0f} s",
    )
    report.note(f"Our command's own summary: “{summary.strip()}”")
    report.note(
        "A new shared-app migration is simulated by deleting one shared migration row "
        "(sessions.0001_initial) from every agency schema: the command records it back in "
        "batched INSERTs instead of running migrate in each schema."
    )
    report.note(
        "Stock: django-tenants' MigrateSchemasCommand run for each schema of an evenly spaced "
        "sample (it builds a migration executor and runs migrate in every schema); the "
        "per-schema mean times the number of agency schemas is labelled extrapolated."
    )

"""``migrate_schemas`` that skips up-to-date agency schemas cheaply.

The stock command builds a migration executor for every schema (~0.1 s each). Here
the applied migrations of all agency schemas are read in a few batched queries and
compared with the migrations the code knows:

* a schema that misses nothing is skipped;
* a schema that only misses migrations of shared (public-only) apps gets their rows
  recorded in one batched INSERT -- exactly what the stock command would do there, since
  the router runs no SQL of a shared app in an agency schema;
* a schema that misses a tenant-app migration goes through the stock per-schema migrate
  (all of them in one executor run, so ``--executor=multiprocessing`` parallelises them);
* an agency whose schema does not exist is reported: the command fails after migrating
  every other schema.

Stale spare schemas are then dropped and a refill of the pool is enqueued. See
docs/migrations.md and docs/decisions/003-fast-migrate-schemas.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.core.management.base import CommandError
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.management.commands.migrate_schemas import (
    GET_EXECUTOR_FUNCTION,
    MigrateSchemasCommand,
)
from django_tenants.utils import get_public_schema_name, get_tenant_model

from tenants.db import connection
from tenants.provisioning import spare_pool_drop_stale, tenant_app_labels, tenant_schema_sql

BATCH = 200
_RECORDER_TABLE = MigrationRecorder.Migration._meta.db_table


@dataclass
class MigrationCheck:
    """Which agency schemas need what."""

    up_to_date: list[str] = field(default_factory=list)
    record_only: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    to_migrate: list[str] = field(default_factory=list)


def expected_migrations() -> set[tuple[str, str]]:
    """Every migration the code knows (an agency schema records them all, as ``migrate`` does)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.graph.nodes)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def applied_migrations(schema_names: list[str]) -> dict[str, set[tuple[str, str]] | None]:
    """The recorded migrations of each schema (``None``: no migration table), batched."""
    applied: dict[str, set[tuple[str, str]] | None] = dict.fromkeys(schema_names)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s",
            [_RECORDER_TABLE],
        )
        with_table = {row[0] for row in cursor.fetchall()}
        present = [name for name in schema_names if name in with_table]
        for start in range(0, len(present), BATCH):
            batch = present[start : start + BATCH]
            union = " UNION ALL ".join(
                f'SELECT %s, "app", "name" FROM {_quote(name)}.{_quote(_RECORDER_TABLE)}'  # noqa: S608
                for name in batch
            )
            for name in batch:
                applied[name] = set()
            cursor.execute(union, batch)
            for schema, app, name in cursor.fetchall():
                applied[schema].add((app, name))  # type: ignore[union-attr]
    return applied


def check_schemas(schema_names: list[str]) -> MigrationCheck:
    """Sort agency schemas into up to date, record-only and to migrate."""
    expected = expected_migrations()
    tenant_labels = tenant_app_labels()
    check = MigrationCheck()
    for name, applied in applied_migrations(schema_names).items():
        if applied is None:
            check.to_migrate.append(name)
            continue
        missing = expected - applied
        if not missing:
            check.up_to_date.append(name)
        elif any(app in tenant_labels for app, _name in missing):
            check.to_migrate.append(name)
        else:
            check.record_only[name] = sorted(missing)
    return check


def pending_schemas(schema_names: list[str]) -> list[str]:
    """The schemas among ``schema_names`` that miss a migration the code knows."""
    check = check_schemas(schema_names)
    return [name for name in schema_names if name in check.to_migrate or name in check.record_only]


def missing_schemas(schema_names: list[str]) -> list[str]:
    """The schemas among ``schema_names`` that do not exist in the database."""
    if not schema_names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(schema_names)]
        )
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in schema_names if name not in present]


def record_applied(record_only: dict[str, list[tuple[str, str]]]) -> None:
    """Record shared-app migrations as applied in agency schemas, one transaction per batch."""
    items = list(record_only.items())
    for start in range(0, len(items), BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            for schema, missing in items[start : start + BATCH]:
                values = ",".join(["(%s, %s, now())"] * len(missing))
                cursor.execute(
                    f"INSERT INTO {_quote(schema)}.{_quote(_RECORDER_TABLE)} "  # noqa: S608
                    f'("app", "name", "applied") VALUES {values}',
                    [part for node in missing for part in node],
                )


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        started = time.monotonic()
        explicit = options.get("schema_name") or any(
            options.get(flag)
            for flag in (
                "app_label",
                "migration_name",
                "fake",
                "fake_initial",
                "plan",
                "prune",
                "check_unapplied",
            )
        )
        if explicit:
            super().handle(*args, **options)
            return
        # Refuse a tenant-app migration that cannot be replayed as SQL before touching anything.
        tenant_schema_sql()
        sync_public = options.get("shared") or not options.get("tenant")
        sync_tenants = options.get("tenant") or not options.get("shared")
        if sync_public:
            super().handle(*args, **{**options, "shared": True, "tenant": False})
        if not sync_tenants:
            return
        schemas = list(
            get_tenant_model()
            .objects.exclude(schema_name=get_public_schema_name())
            .order_by("schema_name")
            .values_list("schema_name", flat=True)
        )
        check = check_schemas(schemas)
        missing = missing_schemas(check.to_migrate)
        to_migrate = [name for name in check.to_migrate if name not in missing]
        verbosity = int(options.get("verbosity", 1))
        if verbosity:
            self.stdout.write(
                f"{len(schemas)} agency schemas: {len(check.up_to_date)} up to date, "
                f"{len(check.record_only)} to record shared migrations in, "
                f"{len(to_migrate)} to migrate "
                f"(checked in {time.monotonic() - started:.2f} s)."
            )
        record_applied(check.record_only)
        if to_migrate:
            # django-tenants' own per-schema migrate, through the executor chosen by
            # --executor (``multiprocessing`` runs the schemas in parallel).
            tenant_options = {**options, "schema_name": None, "shared": False, "tenant": True}
            executor = GET_EXECUTOR_FUNCTION(codename=options.get("executor"))(args, tenant_options)
            executor.run_migrations(tenants=to_migrate)
        dropped = spare_pool_drop_stale()
        if dropped:
            if verbosity:
                self.stdout.write(
                    f"Dropped {dropped} spare schemas built at an older migration state."
                )
            self._enqueue_refill()
        if missing:
            # Every other schema is migrated; the deploy must still notice these.
            raise CommandError(
                f"{len(missing)} agencies have no database schema: {', '.join(missing)}."
            )

    def _enqueue_refill(self) -> None:
        from tenants.tasks import spare_pool_refill

        try:
            spare_pool_refill.delay()
        except Exception as error:  # noqa: BLE001 -- the broker may be down during a deploy
            self.stderr.write(f"Could not enqueue the spare pool refill ({error}); beat will.")

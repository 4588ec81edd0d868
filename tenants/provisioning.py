"""Fast agency schemas: a pool of migrated spare schemas, claimed by ``ALTER SCHEMA … RENAME``.

Building a schema replays the SQL of the tenant apps' migrations (collected once per
process, the same statements ``migrate`` would run) and records every migration as
applied, in one transaction per schema. Claiming a spare is a rename: well under a
millisecond whatever the number of agencies. See docs/decisions/002-agency-provisioning.md.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from functools import cache

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import schema_exists

from tenants.db import connection
from tenants.models import SpareSchema

logger = logging.getLogger(__name__)

SPARE_PREFIX = "spare_"
_INVALID_SCHEMA_NAME = "3F000"  # SQLSTATE of "schema … does not exist"
_COLLECTION_SCHEMA = "spare_sql_collection"


class NonSqlTenantMigrationError(RuntimeError):
    """A tenant migration holds an operation (RunPython) that cannot be replayed as SQL."""


class SchemaTakenError(RuntimeError):
    """The schema a new agency would get already exists in the database."""


@cache
def tenant_app_labels() -> frozenset[str]:
    """The labels of the apps whose tables live in every agency schema."""
    from django.apps import apps

    return frozenset(
        config.label for config in apps.get_app_configs() if config.name in settings.TENANT_APPS
    )


@cache
def tenant_schema_sql() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The DDL that builds one agency schema from nothing, and the migrations it records.

    Collected with the tenant router in force (so only TENANT_APPS produce SQL), in a
    throwaway schema name; the SQL itself names no schema and runs under search_path.
    Raises ``NonSqlTenantMigrationError`` if a tenant-app migration holds an operation
    that has no SQL (RunPython): such a migration would be skipped silently otherwise.
    """
    previous, include_public = connection.tenant, connection.include_public_schema
    connection.set_schema(_COLLECTION_SCHEMA, include_public=True)
    try:
        executor = MigrationExecutor(connection)
        targets = executor.loader.graph.leaf_nodes()
        plan = executor.migration_plan(targets, clean_start=True)
        for migration, _backwards in plan:
            if migration.app_label not in tenant_app_labels():
                continue
            for operation in migration.operations:
                if not operation.reduces_to_sql:
                    raise NonSqlTenantMigrationError(
                        f"{migration.app_label}.{migration.name}: {operation.describe()} "
                        "cannot be replayed as SQL in a tenant app; write it as RunSQL."
                    )
        statements = executor.loader.collect_sql(plan)
        # The migration recorder's own table, exactly as ``migrate`` creates it.
        with connection.schema_editor(collect_sql=True, atomic=False) as editor:
            editor.create_model(MigrationRecorder.Migration)
        recorder_sql = list(editor.collected_sql)
    finally:
        # The caller's tenant object itself, not a stand-in with its name.
        connection.set_tenant(previous, include_public=include_public)
    sql = "\n".join(
        line for line in [*recorder_sql, *statements] if line and not line.startswith("--")
    )
    # What ``migrate`` records: every migration of the graph and, for a squashed one,
    # also each migration it replaces (MigrationExecutor.record_migration and
    # check_replacements); otherwise a later stock migrate would apply the squash again.
    applied: set[tuple[str, str]] = set()
    for key, migration in executor.loader.graph.nodes.items():
        applied.add(key)
        applied.update(migration.replaces or ())
    return sql, tuple(sorted(applied))


@cache
def migration_fingerprint() -> str:
    """A hash of the SQL that builds an agency schema and of the migrations it records.

    Any new or edited migration changes it, which marks older spare schemas as stale.
    """
    sql, applied = tenant_schema_sql()
    digest = hashlib.sha256(sql.encode())
    for app_label, name in applied:
        digest.update(f"\n{app_label}.{name}".encode())
    return digest.hexdigest()


def _quote(name: str) -> str:
    if not name or len(name) > 63 or not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"Unsafe schema name: {name!r}")
    return f'"{name}"'


def schema_build(*, schema_name: str) -> None:
    """Create ``schema_name`` with every tenant table, as ``migrate`` would leave it.

    Must run inside a transaction (the search_path change is ``SET LOCAL``). The
    connection's selected schema is unchanged afterwards.
    """
    sql, applied = tenant_schema_sql()
    quoted = _quote(schema_name)
    recorder_table = MigrationRecorder.Migration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quoted}")
        # Unqualified CREATEs land in the new schema; references to public tables
        # (foreign keys to users) resolve through public, as under ``migrate``.
        cursor.execute(f"SET LOCAL search_path TO {quoted}, public")
        cursor.execute(sql)
        values = ",".join(["(%s, %s, now())"] * len(applied))
        cursor.execute(
            f'INSERT INTO {quoted}.{recorder_table} ("app", "name", "applied") VALUES {values}',  # noqa: S608 -- quoted identifiers
            [part for node in applied for part in node],
        )
    # The search_path was changed behind django-tenants' back: make it set it again.
    connection.search_path_set_schemas = None


def spare_schema_create() -> SpareSchema:
    """Build one spare schema in its own transaction and add it to the pool."""
    name = f"{SPARE_PREFIX}{uuid.uuid4().hex[:20]}"
    with transaction.atomic():
        schema_build(schema_name=name)
        return SpareSchema.objects.create(schema_name=name, fingerprint=migration_fingerprint())


def spare_pool_drop_stale() -> int:
    """Drop spare schemas built at another migration state. Returns how many.

    A stale spare is never claimed (``schema_claim`` filters on the fingerprint); this
    frees the space. One transaction per spare; a spare being claimed is skipped.
    """
    dropped = 0
    stale = SpareSchema.objects.exclude(fingerprint=migration_fingerprint())
    for spare_id in list(stale.values_list("id", flat=True)):
        with transaction.atomic():
            spare = (
                SpareSchema.objects.select_for_update(skip_locked=True).filter(pk=spare_id).first()
            )
            if spare is None:
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(spare.schema_name)} CASCADE")
            spare.delete()
            dropped += 1
    return dropped


def spare_pool_drop_orphans() -> int:
    """Drop ``spare_…`` schemas that no pool row names (a row deleted by hand). Returns how many.

    The schemas are read before the rows: a spare committed in between is then in both
    lists, and a spare being built or claimed is invisible or still has its row.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [SPARE_PREFIX]
        )
        schemas = {row[0] for row in cursor.fetchall()}
    known = set(SpareSchema.objects.values_list("schema_name", flat=True))
    orphans = sorted(schemas - known)
    for name in orphans:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(name)} CASCADE")
    return len(orphans)


def spare_pool_size() -> int:
    """How many claimable (current) spares wait in the pool."""
    return SpareSchema.objects.filter(fingerprint=migration_fingerprint()).count()


def spare_pool_fill(*, size: int | None = None) -> int:
    """Drop stale and orphaned spares and top the pool up to ``size`` (default
    TENANT_SPARE_POOL_SIZE).

    Returns how many spares were built; a second run builds none.
    """
    size = settings.TENANT_SPARE_POOL_SIZE if size is None else size
    spare_pool_drop_stale()
    spare_pool_drop_orphans()
    missing = max(size - spare_pool_size(), 0)
    for _ in range(missing):
        spare_schema_create()
    return missing


def schema_claim(*, schema_name: str) -> str:
    """Give ``schema_name`` a migrated schema: a current spare from the pool renamed, or,
    if the pool is empty, one built on the spot. Runs inside the caller's transaction
    (a rollback gives the spare back). Returns ``"claimed"`` or ``"built"``.

    Raises ``SchemaTakenError`` if the schema already exists.
    """
    _quote(schema_name)
    if schema_exists(schema_name):
        raise SchemaTakenError(schema_name)
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(fingerprint=migration_fingerprint())
        .order_by("id")
        .first()
    )
    if spare is None:
        schema_build(schema_name=schema_name)
        return "built"
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint
            cursor.execute(
                f"ALTER SCHEMA {_quote(spare.schema_name)} RENAME TO {_quote(schema_name)}"
            )
    except DatabaseError as error:
        cause = error.__cause__
        if (getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)) != (
            _INVALID_SCHEMA_NAME
        ):
            raise
        # The spare's schema vanished (dropped by hand): forget it and build instead.
        logger.warning("Spare schema %s is missing; building %s", spare.schema_name, schema_name)
        spare.delete()
        schema_build(schema_name=schema_name)
        return "built"
    spare.delete()
    return "claimed"

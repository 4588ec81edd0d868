"""Schema changes across many agencies: the fast ``migrate_schemas`` and the spare pool."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, migrations
from django_tenants.signals import schema_migrated

from tenants import provisioning
from tenants.management.commands.migrate_schemas import check_schemas, pending_schemas
from tenants.models import SpareSchema
from tenants.tasks import spare_pool_refill
from tests.factories import create_agency


@pytest.fixture
def no_refill(monkeypatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(spare_pool_refill, "delay", lambda: calls.append("refill"))
    return calls


@pytest.fixture
def migrated_schemas():
    """The schemas django-tenants' per-schema migrate ran in, in order."""
    seen: list[str] = []

    def receiver(sender, schema_name, **kwargs):
        seen.append(schema_name)

    schema_migrated.connect(receiver)
    yield seen
    schema_migrated.disconnect(receiver)


def _rows(schema: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT id, app, name, applied FROM "{schema}".django_migrations ORDER BY id'
        )  # noqa: S608
        return cursor.fetchall()


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def test_only_the_schema_missing_a_migration_is_migrated(
    drop_schemas_after, no_refill, migrated_schemas
):
    create_agency(code=811)
    create_agency(code=812)
    create_agency(code=813)
    assert pending_schemas(["ar811", "ar812", "ar813"]) == []
    # ar812 lost its site-content tables and their migration row; ar813 lost the row of a
    # shared app's migration (which runs no SQL in an agency schema).
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE ar812.content_page, ar812.content_banner, ar812.content_sitesettings"
        )
        cursor.execute("DELETE FROM ar812.django_migrations WHERE app = 'content'")
        cursor.execute(
            "DELETE FROM ar813.django_migrations WHERE app = 'sessions' AND name = '0001_initial'"
        )
    untouched = _rows("ar811")
    check = check_schemas(["ar811", "ar812", "ar813"])
    assert (check.up_to_date, check.to_migrate) == (["ar811"], ["ar812"])
    assert check.record_only == {"ar813": [("sessions", "0001_initial")]}

    out = StringIO()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)

    assert "3 agency schemas: 1 up to date, 1 to record shared migrations in, 1 to migrate" in (
        out.getvalue()
    )
    assert migrated_schemas == ["public", "ar812"]
    assert {"content_page", "content_banner", "content_sitesettings"} <= _tables("ar812")
    assert _rows("ar811") == untouched
    assert ("sessions", "0001_initial") in {(app, name) for _id, app, name, _at in _rows("ar813")}
    assert pending_schemas(["ar811", "ar812", "ar813"]) == []


def test_nothing_to_do_migrates_no_agency_schema(drop_schemas_after, no_refill, migrated_schemas):
    create_agency(code=821)
    no_refill.clear()  # the creation's own refill
    before = _rows("ar821")
    out = StringIO()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    assert migrated_schemas == ["public"]
    assert "1 agency schemas: 1 up to date, 0 to record shared migrations in, 0 to migrate" in (
        out.getvalue()
    )
    assert _rows("ar821") == before
    assert no_refill == []


def test_stale_spares_are_dropped_and_a_refill_enqueued(drop_schemas_after, no_refill):
    current = provisioning.spare_schema_create()
    stale = provisioning.spare_schema_create()
    SpareSchema.objects.filter(pk=stale.pk).update(fingerprint="f" * 64)
    out = StringIO()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    assert "Dropped 1 spare schemas built at an older migration state." in out.getvalue()
    assert list(SpareSchema.objects.values_list("schema_name", flat=True)) == [current.schema_name]
    assert _tables(stale.schema_name) == set()
    assert no_refill == ["refill"]


def test_an_agency_without_a_schema_fails_the_run_after_the_others(
    drop_schemas_after, no_refill, migrated_schemas
):
    create_agency(code=831)
    create_agency(code=832)
    with connection.cursor() as cursor:
        cursor.execute('DROP SCHEMA "ar831" CASCADE')
        cursor.execute(
            "DROP TABLE ar832.content_page, ar832.content_banner, ar832.content_sitesettings"
        )
        cursor.execute("DELETE FROM ar832.django_migrations WHERE app = 'content'")
    out = StringIO()
    with pytest.raises(CommandError, match=r"^1 agencies have no database schema: ar831\.$"):
        call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out)
    assert "2 agency schemas: 0 up to date, 0 to record shared migrations in, 1 to migrate" in (
        out.getvalue()
    )
    assert migrated_schemas == ["public", "ar832"]
    assert pending_schemas(["ar832"]) == []


def test_migrate_refuses_a_tenant_migration_that_is_not_sql(monkeypatch, db):
    class RunPythonInTenantApp(migrations.Migration):
        operations = [migrations.RunPython(lambda apps, schema_editor: None)]

    extra = RunPythonInTenantApp("0099_data", "content")

    class Executor(provisioning.MigrationExecutor):
        def migration_plan(self, targets, clean_start=False):
            return [*super().migration_plan(targets, clean_start=clean_start), (extra, False)]

    monkeypatch.setattr(provisioning, "MigrationExecutor", Executor)
    with pytest.raises(provisioning.NonSqlTenantMigrationError, match=r"content\.0099_data"):
        provisioning.tenant_schema_sql.__wrapped__()

"""The path beyond one database (decision 056): agency schemas spread over nodes with Citus
schema-based sharding. What fits today, and guarded here:

- a statement run for an agency's request names no schema: each reads its own agency's
  tables (search_path) or the public schema's, never another agency's;
- no statement joins an agency's tables with public tables other than the small,
  rarely written ones that would become Citus reference tables (REFERENCE_TABLES);
- every foreign key from an agency's tables to public ones points at a reference table;
- every agency table's key is a bigint (Citus hands out sequence ranges per node only for
  bigint sequences).

A new cross-schema join, foreign key or small key fails here, and has to be weighed
against docs/deploy.md ("The path beyond") first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import AgencyMembership

PANEL = "panel.localhost"
TENANT_ONLY_APPS = [app for app in settings.TENANT_APPS if app not in settings.SHARED_APPS]


def _tables(app_labels) -> set[str]:
    found = set()
    for config in apps.get_app_configs():
        if config.name in app_labels:
            found |= {model._meta.db_table for model in config.get_models()}
            for model in config.get_models():
                for field in model._meta.local_many_to_many:
                    found.add(field.remote_field.through._meta.db_table)
    return found


TENANT_TABLES = _tables(settings.TENANT_APPS)
PUBLIC_TABLES = _tables([app for app in settings.SHARED_APPS if app not in settings.TENANT_APPS])


def _static_paths(urlconf: str) -> list[str]:
    found: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if "<" in route or "(?P" in route or route.startswith("^"):
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                found.append("/" + prefix + route)

    walk(get_resolver(urlconf).url_patterns, "")
    return sorted(set(found))


TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"?([a-z_][a-z0-9_]*)"?(?:\."?([a-z0-9_]+)"?)?')


def _statement_tables(sql: str) -> tuple[set[str], set[str]]:
    """The tables a statement names, and the schemas it names explicitly."""
    tables, schemas = set(), set()
    for first, second in TABLE.findall(sql):
        if second:
            schemas.add(first)
            tables.add(second)
        else:
            tables.add(first)
    return tables, schemas


# Public tables an agency's statements may join with, as Citus reference tables (copied to
# every node). None today: agency tables keep public ids as plain numbers.
REFERENCE_TABLES: set[str] = set()
ROOT = Path(__file__).resolve().parents[2]
SCHEMA_IN_SQL = re.compile(r"""["']?\b(public|ar\d+|spare_\w+)["']?\.["']?[a-z_]+_[a-z_]+""")


@pytest.fixture
def owner_on_panel(client, agency):
    owner = agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    client.force_login(owner)
    return client


def test_an_agencys_requests_touch_its_tables_or_public_ones_never_both_nor_a_named_schema(
    owner_on_panel, agency
):
    pages = [
        *((PANEL, path) for path in _static_paths(settings.URLCONF_BY_SITE["panel"])),
        *(("ar685.localhost", path) for path in _static_paths(settings.URLCONF_BY_SITE["agency"])),
    ]
    offences: dict[str, str] = {}
    agency_statements = 0
    for host, path in pages:
        with CaptureQueriesContext(connection) as queries:
            owner_on_panel.get(path, HTTP_HOST=host)
        for query in queries.captured_queries:
            tables, schemas = _statement_tables(query["sql"])
            agency_tables = tables & TENANT_TABLES
            joined = (tables & PUBLIC_TABLES) - REFERENCE_TABLES
            agency_statements += bool(agency_tables)
            if schemas or (agency_tables and joined):
                offences.setdefault(query["sql"][:300], f"{host}{path}")
    assert offences == {}
    assert len(pages) > 40
    assert agency_statements > 50  # the pages did read the agency's own tables


def test_no_foreign_key_from_an_agency_table_to_a_public_one():
    found = []
    for config in apps.get_app_configs():
        if config.name not in settings.TENANT_APPS:
            continue
        for model in config.get_models():
            for field in model._meta.get_fields():
                if not (field.is_relation and field.concrete and field.related_model):
                    continue
                target = field.related_model._meta.db_table
                if target in PUBLIC_TABLES and target not in REFERENCE_TABLES:
                    found.append(f"{model._meta.label}.{field.name} -> {target}")
    assert found == []


def test_every_generated_key_of_an_agency_table_is_a_bigint():
    small = []
    for config in apps.get_app_configs():
        if config.name not in settings.TENANT_APPS:
            continue
        for model in config.get_models():
            pk = model._meta.pk
            generated = isinstance(pk, models.AutoField)  # Big and Small ones included
            if generated and not isinstance(pk, models.BigAutoField):
                small.append(model._meta.label)
    assert small == []


def test_no_sql_in_agency_apps_names_a_schema():
    found = []
    for app in TENANT_ONLY_APPS + ["tenants.content"]:
        folder = ROOT / app.replace(".", "/")
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if SCHEMA_IN_SQL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []

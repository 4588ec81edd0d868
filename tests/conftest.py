"""Shared fixtures: real PostgreSQL (one schema per agency) and real Redis."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from core.redis import redis_client

pytest_plugins = ["tests.policies.fixtures_sales"]


def _drop_agency_schemas() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ar%%' OR nspname LIKE 'spare\\_%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with no throttle counters or cached hosts of its own prefix."""
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = redis_client()

    def wipe() -> None:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000)) + list(
            client.scan_iter(match=f":*:{prefix}*", count=1000)
        )
        if keys:
            client.delete(*keys)

    wipe()
    yield
    wipe()


@pytest.fixture(autouse=True)
def _file_roots(settings, tmp_path_factory):
    """Uploaded and rendered files go to folders of the test, never to the checkout's
    media/ and private/ (which a development server of the same checkout serves)."""
    root = tmp_path_factory.mktemp("files")
    settings.MEDIA_ROOT = root / "media"
    settings.PRIVATE_MEDIA_ROOT = root / "private"
    return root


@pytest.fixture
def development_urls(settings):
    """The URLconfs as ``make run`` builds them (DEBUG on), for tests of what development
    serves; rebuilt as tests have them afterwards."""
    import importlib

    from django.urls import clear_url_caches

    modules = [importlib.import_module(name) for name in settings.URLCONF_BY_SITE.values()]

    def rebuild() -> None:
        for module in modules:
            importlib.reload(module)
        clear_url_caches()

    settings.DEBUG = True
    rebuild()
    yield
    settings.DEBUG = False
    rebuild()


@pytest.fixture(autouse=True)
def _public_schema():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def drop_schemas_after(transactional_db):
    """For transactional tests: agency and spare schemas do not outlive the test."""
    yield
    connection.set_schema_to_public()
    _drop_agency_schemas()


@pytest.fixture
def agency_factory(db):
    from tests.factories import create_agency

    return create_agency


@pytest.fixture
def agency(agency_factory):
    """Agency 685, "Khalili agency" in Tehran, with its schema and owner 09121234567."""
    return agency_factory(
        code=685,
        name="نمایندگی خلیلی",
        latitude="35.700000",
        longitude="51.400000",
        owner_mobile="09121234567",
        city="تهران",
        province="تهران",
    )


@pytest.fixture
def other_agency(agency_factory):
    return agency_factory(
        code=686,
        name="نمایندگی اصفهان",
        latitude="32.650000",
        longitude="51.670000",
        owner_mobile="09131234567",
        city="اصفهان",
        province="اصفهان",
    )

"""Shared fixtures: real PostgreSQL (one schema per agency) and real Redis."""

from __future__ import annotations

import copy
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections

from core.redis import redis_client

pytest_plugins = ["tests.policies.fixtures_sales", "tests.redis_server"]


def _drop_agency_schemas() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ar%%' OR nspname LIKE 'spare\\_%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with no throttle counters or cached hosts of its own prefix.

    Only this run's keys go: the test Redis database (TEST_REDIS_DB) is never a development
    server's, and another test run on it has another prefix (``t-<test database>``).
    """
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    redis_wipe(prefix)
    yield
    redis_wipe(prefix)


def redis_wipe(prefix: str) -> None:
    """Delete the keys under ``prefix`` (``<prefix>:...``), and no others."""
    client = redis_client()
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session", autouse=True)
def _own_files():
    """The run's uploaded and private files (under the temporary directory, named after the
    test database: config/settings.py) start empty and are gone at the end."""

    def wipe() -> None:
        for root in (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)):
            if root.is_relative_to(tempfile.gettempdir()):
                shutil.rmtree(root, ignore_errors=True)
                with suppress(OSError):  # the run's directory, once empty
                    root.parent.rmdir()

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
def _task_results_may_be_read():
    """Tests run tasks in process; each eager run turns Celery's process-wide "never wait for a
    result inside a task" guard on and back off, which threads running tasks at once (the
    concurrent issuance test, whose ``policy_issued`` enqueues commissions) can leave on. Every
    test starts with it off, as a process outside a task has it."""
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


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


# Room on a cluster of a module's own: the race's 100 contenders and the test's own
# connection, with margin.
OWN_POSTGRES_CONNECTIONS = 130


@pytest.fixture(scope="module")
def own_postgres(django_db_setup, django_db_blocker):
    """The module's tests run on a PostgreSQL cluster of their own (tests/pgcluster.py),
    migrated like the test database, instead of the shared server.

    For tests that need many connections at once: the shared server (100 connections) is
    also used by other test runs and a development server. Every connection the module opens,
    from any thread, goes to the new cluster: Django builds each thread's connection from the
    one settings dict switched here. Started in about half a second, migrated in a few.
    """
    from tests.pgcluster import cluster_start

    cluster = cluster_start(max_connections=OWN_POSTGRES_CONNECTIONS)
    database = connections["default"].settings_dict  # the dict every new connection is built from
    shared = copy.deepcopy(database)
    try:
        with django_db_blocker.unblock():
            connections.close_all()
            database.update(cluster.connection_settings())
            database.update(NAME="postgres", TEST={**database["TEST"], "NAME": "bimeh_own"})
            ContentType.objects.clear_cache()
            connections["default"].creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False
            )
        yield cluster
    finally:
        with django_db_blocker.unblock():
            connections.close_all()
        database.clear()
        database.update(shared)
        ContentType.objects.clear_cache()
        cluster.stop()

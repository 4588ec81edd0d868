"""PgBouncer in transaction mode between Django and PostgreSQL (decision 053).

With transaction pooling a client owns a server connection for one transaction only, so a
session-level ``SET search_path`` sent on its own (how django-tenants selects an agency's
schema, once per ``set_tenant`` with TENANT_LIMIT_SET_CALLS) can be seen by another
client's next statement. The first test shows that it is, with the stock handling, on one
pooled server connection; the others show that with TRANSACTION_POOLING (settings:
DATABASE_POOLER=pgbouncer) each statement runs in its own agency's schema, also under
thousands of concurrent requests for different agencies through the whole middleware.
"""

from __future__ import annotations

import io
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client
from django_tenants.utils import schema_context

from tenants.content.models import Page
from tests.factories import create_agency
from tests.pgbouncer import SKIP_REASON, PgBouncer, pgbouncer_binary, pgbouncer_start

pytestmark = pytest.mark.skipif(pgbouncer_binary() is None, reason=SKIP_REASON)

CODES = (731, 732, 733)
THREADS = 8
REQUESTS_PER_THREAD = 400  # 3,200 requests, 6,400 reads of an agency's rows
SELECT_TITLES = "SELECT title FROM content_page WHERE slug = 'probe'"


@pytest.fixture
def agencies(drop_schemas_after):
    """Three agencies, each with one page titled after its own code."""
    made = {}
    for code in CODES:
        agency = create_agency(code=code)
        with schema_context(agency.schema_name):
            Page.objects.create(slug="probe", title=f"agency {code}")
        made[code] = agency
    return made


@contextmanager
def through_pgbouncer(*, pool_size: int, transaction_pooling: bool) -> Iterator[PgBouncer]:
    """Every connection of the test, from any thread, goes through a PgBouncer of its own."""
    database = connections["default"].settings_dict  # the dict every connection is built from
    saved = {key: database.get(key) for key in ("HOST", "PORT", "TRANSACTION_POOLING")}
    bouncer = pgbouncer_start(
        host=database["HOST"] or "127.0.0.1",
        port=int(database["PORT"] or 5432),
        user=database["USER"],
        pool_size=pool_size,
    )
    try:
        connections.close_all()
        database.update(
            HOST="127.0.0.1", PORT=str(bouncer.port), TRANSACTION_POOLING=transaction_pooling
        )
        yield bouncer
    finally:
        connections.close_all()
        database.update(saved)
        bouncer.stop()


def _titles(database, agency) -> list[str]:
    database.set_tenant(agency)
    with database.cursor() as cursor:
        cursor.execute(SELECT_TITLES)
        return [title for (title,) in cursor.fetchall()]


def _interleaved_reads(agencies) -> list[str]:
    """Client A reads agency 731, client B agency 732, then A reads again (still agency
    731 on A's side, so the stock handling sends no new SET): all on one pooled server
    connection."""
    a = connections.create_connection("default")
    b = connections.create_connection("default")
    try:
        _titles(a, agencies[731])
        _titles(b, agencies[732])
        with a.cursor() as cursor:
            cursor.execute(SELECT_TITLES)
            return [title for (title,) in cursor.fetchall()]
    finally:
        a.close()
        b.close()


def test_the_stock_search_path_leaks_between_clients_and_transaction_pooling_does_not(agencies):
    with through_pgbouncer(pool_size=1, transaction_pooling=False):
        seen = _interleaved_reads(agencies)
    assert seen == ["agency 732"], "client A read client B's agency: the leak this guards"

    with through_pgbouncer(pool_size=1, transaction_pooling=True):
        assert _interleaved_reads(agencies) == ["agency 731"]
        _parameters_keep_their_meaning(agencies)
        _a_transaction_sends_the_schema_once_and_a_set_local_holds(agencies)


def _parameters_keep_their_meaning(agencies) -> None:
    database = connections.create_connection("default")
    try:
        database.set_tenant(agencies[733])
        with database.cursor() as cursor:
            cursor.execute("SELECT title FROM content_page WHERE title LIKE %s", ["agency%733"])
            assert cursor.fetchall() == [("agency 733",)]
            cursor.execute("SELECT '100%%'::text, current_schemas(false)", [])
            assert cursor.fetchone() == ("100%", ["ar733", "public"])
            cursor.execute("SELECT 'a%' || 'b'")
            assert cursor.fetchone() == ("a%b",)
            copied = io.StringIO()
            cursor.cursor.copy_expert(f"COPY ({SELECT_TITLES}) TO STDOUT", copied)
            assert copied.getvalue() == "agency 733\n"
    finally:
        database.close()


def _a_transaction_sends_the_schema_once_and_a_set_local_holds(agencies) -> None:
    database = connections.create_connection("default")
    try:
        database.set_tenant(agencies[731])
        with database.cursor() as cursor:
            database.set_autocommit(False)
            cursor.execute(SELECT_TITLES)
            assert cursor.fetchall() == [("agency 731",)]
            cursor.execute('SET LOCAL search_path TO "ar732", public')
            cursor.execute(SELECT_TITLES)
            assert cursor.fetchall() == [("agency 732",)]
            database.commit()
            database.set_autocommit(True)
            cursor.execute(SELECT_TITLES)  # a new transaction: the selected agency again
            assert cursor.fetchall() == [("agency 731",)]
    finally:
        database.close()


def test_thousands_of_concurrent_requests_for_different_agencies_see_only_their_own(
    agencies, settings
):
    settings.URLCONF_BY_SITE = {**settings.URLCONF_BY_SITE, "agency": "tests.infra.probe_urls"}
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    lock = threading.Lock()

    def client_thread(seed: int) -> None:
        chooser = random.Random(seed)
        client = Client()
        local: Counter[str] = Counter()
        try:
            for _ in range(REQUESTS_PER_THREAD):
                code = chooser.choice(CODES)
                response = client.get("/probe/", HTTP_HOST=f"ar{code}.localhost")
                if response.status_code != 200:
                    local["error"] += 1
                    continue
                for title in response.json()["titles"]:
                    local["own" if title == f"agency {code}" else "cross"] += 1
                local["requests"] += 1
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            with lock:
                failures.append(repr(error))
        finally:
            connections.close_all()
            with lock:
                outcomes.update(local)

    # Fewer server connections than clients: each server connection serves many agencies.
    with through_pgbouncer(pool_size=3, transaction_pooling=True) as bouncer:
        threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        log = bouncer.log

    assert failures == [], (failures, log[-2000:])
    assert outcomes["requests"] == THREADS * REQUESTS_PER_THREAD, outcomes
    assert outcomes["cross"] == 0, outcomes
    assert outcomes["own"] == 2 * THREADS * REQUESTS_PER_THREAD


def test_a_spare_schema_built_through_pgbouncer_has_its_tables(drop_schemas_after):
    from tenants.provisioning import spare_schema_create

    with through_pgbouncer(pool_size=2, transaction_pooling=True):
        spare = spare_schema_create()
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                [spare.schema_name, "content_page"],
            )
            assert cursor.fetchone() == (1,)
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename = 'crm_customer'"
            )
            assert cursor.fetchone() == (0,)

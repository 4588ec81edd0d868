"""A streaming read replica behind a router (decision 054): reports read from it, whoever
just wrote reads the primary, and an agency's page reads the agency's schema on it. A
replica that is down or too far behind is left alone until it is back (decision 065).

The module runs on a primary cluster of its own and a hot standby copied from it with
docker-compose's own scripts (tests/pgreplica.py: pg_basebackup as a replication role).
Replay on the standby is paused while a test writes, so what the primary has and the
replica lacks tells which one answered.
"""

from __future__ import annotations

import copy
import logging
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.audit import audit_record
from core.db import (
    LAG_SQL,
    PIN_COOKIE,
    REPLICA,
    read_alias,
    replica,
    replica_health_reset,
)
from core.models import AuditLog
from tests.factories import create_agency, create_user
from tests.pgbouncer import SKIP_REASON as PGBOUNCER_MISSING
from tests.pgbouncer import PgBouncer, pgbouncer_binary, pgbouncer_start
from tests.pgcluster import _bindir, cluster_start
from tests.pgreplica import REPLICATION_USER, replica_start, standby_start, standby_stop
from tests.reports.conftest import OPS
from tests.reports.pages import html_table
from tests.waiting import wait_until


def _copy_test_database(primary, source: dict, name: str) -> None:
    """The migrated test database, copied onto ``primary`` (quicker than migrating again)."""
    socket = {"host": str(primary.directory), "port": "5432", "user": "postgres"}
    createdb = [str(primary.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"]
    createdb += [f"--{key}={value}" for key, value in socket.items()]
    subprocess.run([*createdb, "-c", f'CREATE DATABASE "{name}"'], check=True, timeout=60)
    dump = subprocess.Popen(  # noqa: S603 - fixed binaries and arguments
        [
            str(primary.bindir / "pg_dump"),
            "--no-owner",
            f"--host={source['HOST'] or '127.0.0.1'}",
            f"--port={source['PORT'] or 5432}",
            f"--username={source['USER']}",
            source["NAME"],
        ],
        stdout=subprocess.PIPE,
    )
    restore = [str(primary.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", name]
    restore += [f"--{key}={value}" for key, value in socket.items()]
    subprocess.run(restore, stdin=dump.stdout, check=True, timeout=300, capture_output=True)
    assert dump.wait(timeout=60) == 0


@pytest.fixture(scope="module")
def primary_and_replica(django_db_setup, django_db_blocker):
    primary = cluster_start(max_connections=40)
    standby = None
    database = connections["default"].settings_dict  # the dict every connection is built from
    shared = copy.deepcopy(database)
    try:
        with django_db_blocker.unblock():
            connections.close_all()
            _copy_test_database(primary, shared, "bimeh_primary")
            database.update(primary.connection_settings())
            database.update(NAME="bimeh_primary")
            ContentType.objects.clear_cache()
            standby = replica_start(primary)
            connections.settings[REPLICA] = {
                **copy.deepcopy(database),
                **standby.connection_settings(),
                "REPLICA_OF": "default",
                "TEST": {"MIRROR": "default"},
            }
        yield primary, standby
    finally:
        with django_db_blocker.unblock():
            connections.close_all()
        with suppress(AttributeError):
            del connections[REPLICA]
        connections.settings.pop(REPLICA, None)
        database.clear()
        database.update(shared)
        ContentType.objects.clear_cache()
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.stop()


def _pg_basebackup_missing() -> str | None:
    try:
        bindir, _ = _bindir()
    except ImportError:
        return "no PostgreSQL binaries to start a cluster with"
    if not (bindir / "pg_basebackup").exists():
        return f"pg_basebackup is not in {bindir}"
    return None


pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
    pytest.mark.skipif(_pg_basebackup_missing() is not None, reason=str(_pg_basebackup_missing())),
]


def _on_replica(sql: str, params=None):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _caught_up() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (position,) = cursor.fetchone()
    return _on_replica("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])


def pause_replay() -> None:
    wait_until(_caught_up, timeout=30)
    _on_replica("SELECT pg_wal_replay_pause()::text")
    wait_until(lambda: _on_replica("SELECT pg_get_wal_replay_pause_state()") == "paused")


def resume_replay() -> None:
    _on_replica("SELECT pg_wal_replay_resume()::text")
    wait_until(_caught_up, timeout=30)


@pytest.fixture
def replica_db(primary_and_replica, settings):
    # Routing tests pause replay for a while: only the fall-back tests mind the lag.
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    replica_health_reset()
    yield
    with suppress(Exception):
        _on_replica("SELECT pg_wal_replay_resume()::text")
    replica_health_reset()


def _audit_rows(client) -> list[list[str]]:
    html = client.get("/audit/", HTTP_HOST=OPS).content.decode()
    return html_table(html, "audit-rows")[1]


def test_the_audit_report_reads_the_replica(replica_db, client):
    operator = create_user(insurer_role="operator", first_name="کارشناس", last_name="گزارش")
    audit_record(actor=None, action="agency.other", target=operator, actor_label="test")
    client.force_login(operator)
    pause_replay()
    audit_record(actor=None, action="agency.other", target=operator, actor_label="test")
    on_primary = AuditLog.objects.count()
    on_replica = AuditLog.objects.using(REPLICA).count()
    assert on_replica == on_primary - 1

    assert len(_audit_rows(client)) == on_replica  # the report: from the replica

    resume_replay()
    assert len(_audit_rows(client)) == on_primary


@pytest.fixture
def probe_site(replica_db, drop_schemas_after, settings):
    settings.URLCONF_BY_SITE = {**settings.URLCONF_BY_SITE, "agency": "tests.infra.probe_urls"}
    return create_agency(code=741)


def _titles(client) -> list[str]:
    response = client.get("/probe/replica/", HTTP_HOST="ar741.localhost")
    assert response.status_code == 200
    return response.json()["titles"]


def test_whoever_just_wrote_reads_the_primary_others_the_replica_in_the_agency_schema(
    probe_site, settings
):
    writer, other = Client(), Client()
    before = _titles(other)
    assert before  # the agency's own pages, read in its schema on the replica
    pause_replay()

    response = writer.post(
        "/probe/write/", {"slug": "fresh", "title": "just written"}, HTTP_HOST="ar741.localhost"
    )
    assert response.status_code == 200
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == settings.REPLICA_PIN_SECONDS
    assert pin["httponly"]

    assert "just written" in _titles(writer)  # pinned: the primary
    assert _titles(other) == before  # the replica, which has not replayed the write

    other.cookies[PIN_COOKIE] = str(int(time.time()) - 1)  # a pin that has run out
    assert _titles(other) == before

    resume_replay()
    assert "just written" in _titles(other)


def test_a_read_outside_replica_goes_to_the_primary_and_writes_never_to_the_replica(
    replica_db,
):
    assert read_alias() == "default"
    with replica():
        assert read_alias() == REPLICA
        user = create_user()
        assert user._state.db == "default"
    assert read_alias() == "default"


# --- The replica made by docker-compose's scripts (decision 065) ---------------------------


def _on_primary(sql: str, params=None):
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_compose_scripts_made_a_replication_role_and_its_line(replica_db):
    role = _on_primary(
        "SELECT rolcanlogin, rolreplication, rolpassword LIKE 'SCRAM-SHA-256$%%'"
        " FROM pg_authid WHERE rolname = %s",
        [REPLICATION_USER],
    )
    assert role == [(True, True, True)]
    rules = _on_primary(
        "SELECT type, database, user_name, address, auth_method, error FROM pg_hba_file_rules"
        " WHERE database = '{replication}' AND user_name = %s",
        [f"{{{REPLICATION_USER}}}"],
    )
    assert rules == [("host", ["replication"], [REPLICATION_USER], "all", "scram-sha-256", None)]
    # The standby streams as that role (a role without REPLICATION could not).
    assert _on_primary("SELECT usename, state FROM pg_stat_replication") == [
        (REPLICATION_USER, "streaming")
    ]


# --- Falling back to the primary (decision 065) ---------------------------------------------


def _fallback_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "core.db"]


@pytest.fixture
def audited(replica_db, client):
    """An operator logged in, with audit rows on both databases."""
    operator = create_user(insurer_role="operator", first_name="کارشناس", last_name="پشتیبان")
    audit_record(actor=None, action="agency.other", target=operator, actor_label="test")
    client.force_login(operator)
    wait_until(_caught_up, timeout=30)
    return operator


def test_a_stopped_replica_is_left_alone_until_it_is_back(
    audited, primary_and_replica, client, settings, caplog
):
    _, standby = primary_and_replica
    caplog.set_level(logging.INFO, logger="core.db")
    settings.REPLICA_CHECK_SECONDS = 3600  # asked once: what follows is the connection's
    with replica():
        assert read_alias() == REPLICA
    assert _fallback_logs(caplog) == []
    on_primary = AuditLog.objects.count()

    standby_stop(standby)
    try:
        # The report answers, from the primary, and the change is logged once.
        assert len(_audit_rows(client)) == on_primary
        assert len(_audit_rows(client)) == on_primary
        (logged,) = _fallback_logs(caplog)
        assert logged.startswith("Replica reads go to the primary: its connection failed")
        # Asked afresh (its connection cannot be opened within connect_timeout): still no.
        replica_health_reset()
        with replica():
            assert read_alias() == "default"
        assert "cannot be reached" in _fallback_logs(caplog)[-1]
    finally:
        standby_start(standby)

    # Back, but the last answer holds for REPLICA_CHECK_SECONDS.
    with replica():
        assert read_alias() == "default"
    settings.REPLICA_CHECK_SECONDS = 0.2

    def back_on_the_replica() -> bool:
        with replica():
            return read_alias() == REPLICA

    wait_until(back_on_the_replica, timeout=30)
    pause_replay()
    audit_record(actor=None, action="agency.other", target=audited, actor_label="test")
    assert len(_audit_rows(client)) == AuditLog.objects.count() - 1  # the replica's rows
    assert _fallback_logs(caplog)[-1].startswith("Replica reads go to the replica again")
    assert len(_fallback_logs(caplog)) == 3


def test_a_replica_too_far_behind_is_left_alone_until_it_catches_up(
    audited, client, settings, caplog
):
    caplog.set_level(logging.INFO, logger="core.db")
    settings.REPLICA_CHECK_SECONDS = 0  # ask on every read
    pause_replay()
    audit_record(actor=None, action="agency.other", target=audited, actor_label="test")
    on_primary = AuditLog.objects.count()
    assert len(_audit_rows(client)) == on_primary - 1  # behind, but within the limit

    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    wait_until(lambda: _on_replica(LAG_SQL) > 0.5, timeout=10)
    assert len(_audit_rows(client)) == on_primary  # too far behind: the primary
    (logged,) = _fallback_logs(caplog)
    assert logged.startswith("Replica reads go to the primary: it is ")
    assert "behind the primary (more than 0.5 s)" in logged
    assert len(_audit_rows(client)) == on_primary
    assert len(_fallback_logs(caplog)) == 1  # once per change

    resume_replay()  # caught up: nothing left to replay, however old the last commit
    with replica():
        assert read_alias() == REPLICA
    assert _fallback_logs(caplog)[-1].startswith("Replica reads go to the replica again")


@contextmanager
def replica_through_pgbouncer(standby, **extra: str) -> Iterator[PgBouncer]:
    """The replica's connections go through a PgBouncer of their own in transaction mode,
    as in docker-compose (``pgbouncer-replica``)."""
    bouncer = pgbouncer_start(
        host=str(standby.directory), port=5432, user="postgres", pool_size=4, extra=extra
    )
    database = connections[REPLICA].settings_dict
    saved = {key: database.get(key) for key in ("HOST", "PORT", "TRANSACTION_POOLING")}
    try:
        connections[REPLICA].close()
        database.update(HOST="127.0.0.1", PORT=str(bouncer.port), TRANSACTION_POOLING=True)
        yield bouncer
    finally:
        connections[REPLICA].close()
        database.update(saved)
        bouncer.stop()


@pytest.mark.skipif(pgbouncer_binary() is None, reason=PGBOUNCER_MISSING)
def test_through_pgbouncer_a_stopped_replica_costs_at_most_its_wait_limit(
    audited, primary_and_replica, client, settings, caplog, monkeypatch
):
    """Behind PgBouncer the replica's connection stays open when the replica stops; the next
    query waits in PgBouncer's queue until query_wait_timeout, then fails: the check then
    sends the reads to the primary, and the page answers."""
    _, standby = primary_and_replica
    caplog.set_level(logging.INFO, logger="core.db")
    settings.REPLICA_CHECK_SECONDS = 3600
    wait_limit = 2
    with replica_through_pgbouncer(
        standby, query_wait_timeout=str(wait_limit), server_login_retry="1"
    ):
        with replica():
            assert read_alias() == REPLICA  # asked through PgBouncer
        pause_replay()
        audit_record(actor=None, action="agency.other", target=audited, actor_label="test")
        on_primary = AuditLog.objects.count()
        assert len(_audit_rows(client)) == on_primary - 1  # the replica, through PgBouncer

        standby_stop(standby)
        try:
            # The first page pays PgBouncer's wait once (query_wait_timeout), then answers.
            assert len(_audit_rows(client)) == on_primary  # the primary's rows
            (logged,) = _fallback_logs(caplog)
            assert logged.startswith("Replica reads go to the primary: its connection failed")
            # Known to be down: the next page never touches the replica's connection again.
            replica_connection = connections[REPLICA]
            touched: list[str] = []
            for name in ("ensure_connection", "cursor"):
                real = getattr(replica_connection, name)
                monkeypatch.setattr(
                    replica_connection,
                    name,
                    lambda *a, _real=real, _name=name, **k: touched.append(_name) or _real(*a, **k),
                )
            assert len(_audit_rows(client)) == on_primary
            assert touched == []
        finally:
            standby_start(standby)

        settings.REPLICA_CHECK_SECONDS = 0.2

        def back() -> bool:
            with replica():
                return read_alias() == REPLICA

        wait_until(back, timeout=30)
        assert _fallback_logs(caplog)[-1].startswith("Replica reads go to the replica again")


def test_between_two_checks_a_page_asks_the_replica_nothing_more(audited, client, settings):
    """The lag is asked once per REPLICA_CHECK_SECONDS per process; a page in between sends
    the replica its own queries and at most Django's usual health check."""
    settings.REPLICA_CHECK_SECONDS = 3600
    _audit_rows(client)  # the first page asks
    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        for _ in range(3):
            _audit_rows(client)
    sent = [query["sql"] for query in replica_queries.captured_queries]
    assert sent  # the pages read the replica
    assert not [sql for sql in sent if "pg_last_wal_replay_lsn" in sql]
    settings.REPLICA_CHECK_SECONDS = 0
    with CaptureQueriesContext(connections[REPLICA]) as replica_queries:
        _audit_rows(client)
    assert [q for q in replica_queries.captured_queries if "pg_last_wal_replay_lsn" in q["sql"]]

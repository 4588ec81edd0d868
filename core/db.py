"""Reads from the streaming replica where a page says so, never what a person just wrote
(decision 054).

``replica()`` marks the reads that may come from the replica (reports, their Excel files,
the audit log): as a context manager or a decorator under the view's access check. Only
reads are routed; every write goes to the primary. A request that writes (an unsafe
method, or any ORM write) pins its person to the primary for REPLICA_PIN_SECONDS through
a cookie, so their next pages show what they just did even if the replica lags. Without a
``replica`` database (no DATABASE_REPLICA_URL) everything reads from the primary.

The replica's connection follows the primary's schema (``REPLICA_OF``,
core.postgresql_backend), so an agency's pages read the agency's own schema there too.

A replica that cannot be reached, or that replays more than REPLICA_MAX_LAG_SECONDS behind
the primary, is left alone: its reads go to the primary (decision 065). Each process asks
the replica at most every REPLICA_CHECK_SECONDS (one short query), logs when the answer
changes, and never lets the check fail a request. In between, each ``replica()`` block
makes sure once that its thread's connection to the replica answers: a replica that went
down costs the first block that meets it at most the connect timeout (directly) or
PgBouncer's query_wait_timeout (through it), then its reads go to the primary.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "primary_pin"

logger = logging.getLogger(__name__)


@dataclass
class _Request:
    pinned: bool = False
    wrote: bool = False


@dataclass
class _Reads:
    """One ``replica()`` block: whether it found the replica's connection open and answering
    (asked once per block, not per query)."""

    connected: bool = False


_reading_replica: ContextVar[_Reads | None] = ContextVar("reading_replica", default=None)
_request: ContextVar[_Request | None] = ContextVar("replica_request", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def _replica_reads() -> Iterator[None]:
    token = _reading_replica.set(_Reads())
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica():
    """Reads inside may come from the replica (unless this person is pinned to the primary)."""
    return _replica_reads()


def read_alias() -> str:
    """Where a read made here goes: ``replica`` or ``default``."""
    reads, state = _reading_replica.get(), _request.get()
    if (
        reads is not None
        and replica_configured()
        and not (state and state.pinned)
        and replica_usable(reads)
    ):
        return REPLICA
    return "default"


# How far the replica is behind, in seconds. Nothing to replay while it streams: 0, however
# long ago the primary last wrote. Otherwise the age of the last transaction it replayed
# (an upper bound); none replayed since it started and not yet caught up: unknown, so
# infinite. pg_stat_wal_receiver shows its row (the pid) to any role while it streams.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
        AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN 0
    ELSE COALESCE(
        EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8,
        'Infinity'::float8
    )
END
"""


@dataclass
class _Health:
    usable: bool | None = None  # None: not asked yet
    checked_at: float = float("-inf")  # time.monotonic() of the last answer


_health = _Health()
_health_lock = threading.Lock()


def replica_usable(reads: _Reads | None = None) -> bool:
    """Whether reads may go to the replica: it answers, and is no more than
    REPLICA_MAX_LAG_SECONDS behind. Asked at most every REPLICA_CHECK_SECONDS per process;
    in between, each ``replica()`` block makes sure once that this thread's connection to
    it is open and answers (what a replica that went down breaks)."""
    expired = time.monotonic() - _health.checked_at >= settings.REPLICA_CHECK_SECONDS
    # One thread asks; the others go on with the last answer meanwhile.
    if expired and _health_lock.acquire(blocking=False):
        try:
            _record(*_probe())
        finally:
            _health_lock.release()
        if reads is not None:
            reads.connected = bool(_health.usable)  # the probe has just used it
        return bool(_health.usable)
    if _health.usable and reads is not None and not reads.connected:
        if _connected():
            reads.connected = True
        else:
            _record(False, "its connection failed")
    return bool(_health.usable)


def replica_health_reset() -> None:
    """Forget the last answer: the next marked read asks the replica again."""
    with _health_lock:
        _health.usable = None
        _health.checked_at = float("-inf")


def _probe() -> tuple[bool, str]:
    """Ask the replica how far behind it is; a connection that went stale is tried afresh
    once. Any failure means "not usable", never an error for the request."""
    connection = connections[REPLICA]
    for attempt in (1, 2):
        had_connection = connection.connection is not None
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                (lag,) = cursor.fetchone()
        except Exception as error:  # noqa: BLE001 - whatever it is, reads go to the primary
            _close_quietly(connection)
            if attempt == 1 and had_connection:
                continue
            return False, f"it cannot be reached ({type(error).__name__}: {str(error).strip()})"
        limit = settings.REPLICA_MAX_LAG_SECONDS
        if lag > limit:
            return False, f"it is {lag:.1f} s behind the primary (more than {limit} s)"
        return True, f"it is {lag:.1f} s behind the primary"
    raise AssertionError("unreachable")  # pragma: no cover


def _connected() -> bool:
    """This thread's replica connection answers, or a new one opens (within its short
    connect_timeout)."""
    connection = connections[REPLICA]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.ensure_connection()
    except Exception:  # noqa: BLE001 - whatever it is, reads go to the primary
        _close_quietly(connection)
        return False
    connection.health_check_done = True  # type: ignore[attr-defined]  # asked just now
    return True


def _close_quietly(connection) -> None:
    with suppress(Exception):  # a broken connection is dropped anyway
        connection.close()


def _record(usable: bool, reason: str) -> None:
    """Keep the answer; log only when it changes (and a first answer that is "no")."""
    previous = _health.usable
    _health.usable = usable
    _health.checked_at = time.monotonic()
    if usable == previous or (previous is None and usable):
        return
    if usable:
        logger.warning("Replica reads go to the replica again: %s.", reason)
    else:
        logger.warning("Replica reads go to the primary: %s.", reason)


class ReplicaRouter:
    """Reads marked by ``replica()`` go to the replica; writes always to the primary."""

    def db_for_read(self, model, **hints):
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None:
            state.wrote = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {"default", REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


class PrimaryPinMiddleware:
    """A person who just wrote reads from the primary for REPLICA_PIN_SECONDS."""

    SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        state = _Request(pinned=_pin_valid(request.COOKIES.get(PIN_COOKIE)))
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote or request.method not in self.SAFE_METHODS:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                str(int(time.time()) + seconds),
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                domain=settings.SESSION_COOKIE_DOMAIN,
            )
        return response


def _pin_valid(value: str | None) -> bool:
    """The cookie holds when the pin ends; a forged one only moves its own reads."""
    try:
        return value is not None and int(value) > time.time()
    except ValueError:
        return False

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
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

REPLICA = "replica"
PIN_COOKIE = "primary_pin"


@dataclass
class _Request:
    pinned: bool = False
    wrote: bool = False


_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)
_request: ContextVar[_Request | None] = ContextVar("replica_request", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def _replica_reads() -> Iterator[None]:
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica():
    """Reads inside may come from the replica (unless this person is pinned to the primary)."""
    return _replica_reads()


def read_alias() -> str:
    """Where a read made here goes: ``replica`` or ``default``."""
    state = _request.get()
    if _reading_replica.get() and replica_configured() and not (state and state.pinned):
        return REPLICA
    return "default"


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

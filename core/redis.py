"""Redis connections that fail fast.

Every connection to Redis (this module's client and the Django cache, which uses
``GuardedConnectionPool`` through its OPTIONS) has short connect and read timeouts, and a
per-process breaker: once a server has failed to answer, calls to it fail at once for
``REDIS_DOWN_SECONDS`` instead of each waiting for its own timeout. Callers that can do
without Redis catch ``UNAVAILABLE``; the others let it rise to
``core.degraded.DependencyDownMiddleware``, which answers "try again in a moment".
"""

from __future__ import annotations

import threading
import time
from functools import cache
from typing import Any

import redis
from django.conf import settings
from redis.connection import Connection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class RedisUnavailable(RedisConnectionError):
    """Refused without trying: the server failed to answer a moment ago."""


# What "Redis did not answer" looks like (RedisUnavailable included).
UNAVAILABLE: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError)


class Breaker:
    """Per process and per key (a server's address): after a failure, refuse for a while."""

    def __init__(self) -> None:
        self._open_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_open(self, key: str) -> bool:
        return time.monotonic() < self._open_until.get(key, 0.0)

    def trip(self, key: str, seconds: float) -> None:
        with self._lock:
            self._open_until[key] = time.monotonic() + seconds

    def reset(self, key: str) -> None:
        with self._lock:
            self._open_until.pop(key, None)


breaker = Breaker()


def down_seconds() -> float:
    """How long a server that failed is left alone."""
    return float(getattr(settings, "REDIS_DOWN_SECONDS", 2.0))


class GuardedConnection(Connection):
    """A TCP connection to Redis that consults and feeds the breaker."""

    @property
    def breaker_key(self) -> str:
        return f"redis:{self.host}:{self.port}"

    def _connect(self):
        key = self.breaker_key
        if breaker.is_open(key):
            raise RedisUnavailable(f"Redis at {self.host}:{self.port} did not answer a moment ago.")
        try:
            return super()._connect()
        except OSError:  # refused, unreachable, or the connect timeout (socket.timeout)
            breaker.trip(key, down_seconds())
            raise

    def send_packed_command(self, command, check_health=True):
        try:
            return super().send_packed_command(command, check_health=check_health)
        except UNAVAILABLE:
            breaker.trip(self.breaker_key, down_seconds())
            raise

    def read_response(self, *args: Any, **kwargs: Any):
        try:
            return super().read_response(*args, **kwargs)
        except UNAVAILABLE:
            breaker.trip(self.breaker_key, down_seconds())
            raise


class GuardedConnectionPool(ConnectionPool):
    """A connection pool of ``GuardedConnection`` (``rediss://`` and ``unix://`` URLs keep
    their own connection classes, without the breaker)."""

    def __init__(self, connection_class: type[Connection] = GuardedConnection, **kwargs: Any):
        super().__init__(connection_class=connection_class, **kwargs)


def redis_client() -> redis.Redis:
    """A client for locks, queues and counters (the Django cache has neither locks nor
    atomic TTLs), on ``settings.REDIS_URL`` as it is now (tests point it elsewhere)."""
    return _client(settings.REDIS_URL, float(settings.REDIS_TIMEOUT_SECONDS))


@cache
def _client(url: str, timeout: float) -> redis.Redis:
    pool = GuardedConnectionPool.from_url(
        url, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    return redis.Redis(connection_pool=pool)

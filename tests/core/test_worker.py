"""A real Celery worker process sends what the web process queued, once, after commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import transaction

from config.celery import app
from core.models import SmsMessage
from core.sms import sms_queue

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    url = f"postgres://{credentials}@{host}{port}/{db['NAME']}"
    socket_dir = (db.get("OPTIONS") or {}).get("host")
    return f"{url}?host={quote(socket_dir)}" if socket_dir else url


@pytest.fixture
def worker_queue(tmp_path):
    """A worker process of its own on a queue of its own, stopped at the end."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "DJANGO_ENV": "test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield queue, log_path
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        log.close()


def _wait_for(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_sends_a_committed_message_once(worker_queue):
    _queue, log_path = worker_queue
    with transaction.atomic():
        message = sms_queue(to="09121234567", body="از کارگر واقعی", kind="test")
    assert _wait_for(
        lambda: SmsMessage.objects.get(pk=message.pk).status == SmsMessage.Status.SENT
    ), log_path.read_text()[-3000:]
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.provider_message_id == f"dev-{message.pk}"


def test_a_rolled_back_message_never_reaches_the_worker(worker_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_queue(to="09121234567", body="rolled back")
        raise RuntimeError
    # A committed message queued afterwards is processed: the worker is alive and the
    # rolled-back one was never enqueued.
    with transaction.atomic():
        later = sms_queue(to="09121234567", body="after")
    assert _wait_for(lambda: SmsMessage.objects.get(pk=later.pk).status == SmsMessage.Status.SENT)
    assert not SmsMessage.objects.filter(body="rolled back").exists()
    assert SmsMessage.objects.count() == 1

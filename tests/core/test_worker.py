"""A real Celery worker process sends what the web process queued, once, after commit."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.signals import before_task_publish
from django.conf import settings
from django.db import transaction

from config.celery import app
from core.models import SmsMessage
from core.redis import redis_client
from core.sms import sms_queue
from core.sms.base import SmsBackend, SmsReceipt
from tests.waiting import eventually

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


class DigestBackend(SmsBackend):
    """A provider, in the worker process, whose receipt tells which text it was given."""

    name = "digest"

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        return SmsReceipt(provider_message_id=_digest(body))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


DIGEST_BACKEND = f"{__name__}.DigestBackend"


def worker_env(queue: str, *, sms_backend: str = "dev", **extra: str) -> dict[str, str]:
    """The environment of a worker process of its own, on this test's database and queue."""
    return {
        **os.environ,
        "SMS_BACKEND": sms_backend,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "DJANGO_ENV": "test",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        **extra,
    }


@pytest.fixture
def worker_queue(request, tmp_path):
    """A worker process of its own on a queue of its own, stopped at the end. The SMS
    backend is "dev" unless the test passes another one as the fixture's parameter."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = worker_env(queue, sms_backend=getattr(request, "param", "dev"))
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
        broker_forget(queue)


def broker_forget(queue: str) -> None:
    """Leave nothing of a test's own queue in the broker: its list and bindings, and the
    messages a killed worker had taken but not acknowledged (kombu's ``unacked`` hash)."""
    client = redis_client()
    keys = list(client.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        client.delete(*keys)
    for tag, raw in client.hgetall("unacked").items():
        _message, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def published():
    """The names of the tasks this process hands to the broker, in order."""
    names: list[str] = []

    def record(sender=None, **_kwargs) -> None:
        names.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        yield names
    finally:
        before_task_publish.disconnect(record)


def _handled(log_path: Path) -> list[str]:
    """The worker's own account of the SMS tasks it finished."""
    return re.findall(
        r"Task core\.tasks\.sms_send\[[^\]]+\] succeeded in [^:]+: '([^']*)'", log_path.read_text()
    )


def test_the_worker_sends_a_committed_message_once(worker_queue, published):
    _queue, log_path = worker_queue
    with transaction.atomic():
        message = sms_queue(to="09121234567", body="از کارگر واقعی", kind="test")
        # Not before the commit: the task is not even queued yet.
        assert published == []
    assert published == ["core.tasks.sms_send"]
    assert eventually(
        lambda: SmsMessage.objects.get(pk=message.pk).status == SmsMessage.Status.SENT
    ), log_path.read_text()[-3000:]
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.backend == "dev"
    assert message.provider_message_id == f"dev-{message.pk}"
    assert eventually(lambda: _handled(log_path) == ["sent"], timeout=5), log_path.read_text()[
        -3000:
    ]


def test_a_rolled_back_message_never_reaches_the_worker(worker_queue, published):
    _queue, log_path = worker_queue
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_queue(to="09121234567", body="rolled back")
        raise RuntimeError
    assert published == []
    assert not SmsMessage.objects.exists()
    # A committed message queued afterwards is processed, alone: the worker is alive, takes
    # its queue in order, and the rolled-back one never reached it.
    with transaction.atomic():
        later = sms_queue(to="09121234567", body="after")
    assert published == ["core.tasks.sms_send"]
    assert eventually(
        lambda: SmsMessage.objects.get(pk=later.pk).status == SmsMessage.Status.SENT
    ), log_path.read_text()[-3000:]
    assert eventually(lambda: _handled(log_path) == ["sent"], timeout=5), log_path.read_text()[
        -3000:
    ]
    assert list(SmsMessage.objects.values_list("body", "status")) == [
        ("after", SmsMessage.Status.SENT)
    ]


@pytest.mark.parametrize("worker_queue", [DIGEST_BACKEND], indirect=True)
def test_the_worker_sends_the_clear_text_of_a_masked_message(worker_queue, settings):
    """The clear text waits in Redis for the worker process; the row keeps the mask."""
    _queue, log_path = worker_queue
    settings.SMS_BACKEND = DIGEST_BACKEND
    with transaction.atomic():
        message = sms_queue(
            to="09121234567", body="کد ورود: 135790", kind="otp", sensitive_parts=("135790",)
        )
    assert eventually(
        lambda: SmsMessage.objects.get(pk=message.pk).status == SmsMessage.Status.SENT
    ), log_path.read_text()[-3000:]
    message.refresh_from_db()
    assert message.body == "کد ورود: ******"
    assert (message.backend, message.provider_message_id) == ("digest", _digest("کد ورود: 135790"))
    assert "135790" not in log_path.read_text()

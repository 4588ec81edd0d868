"""A bulk SMS to 100,000 uploaded numbers (decisions 036 and 038), with real Celery workers
and the sandbox provider: from "send" to every message handed to the provider, the workers'
memory, and each number charged and delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.db.models import Count, Sum
from django_tenants.utils import schema_context

from benchmarks._agencies import create_one
from benchmarks._report import Report
from benchmarks._worker_ready import wait_until_ready

ORDER = 96
TITLE = "Bulk SMS"
RECIPIENTS = int(os.environ.get("BENCH_SMS_BULK", "100000"))
TARGET_SECONDS = 120.0
WORKERS = 2
ROOT = Path(__file__).resolve().parent.parent
BODY = "جشنواره تمدید بیمه بدنه با ۲۰٪ تخفیف تا پایان ماه؛ نمایندگی خلیلی ۰۲۱۸۸۷۷۶۶۵۵"


def _database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER'] or 'postgres'}@{host}{port}/{db['NAME']}"


def _rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children (the prefork pool), in KiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _forget_broker(app) -> None:
    app._pool = None
    app.amqp._producer_pool = None


def run(report: Report) -> None:
    from django.conf import settings

    from accounts.models import AgencyMembership
    from config.celery import app
    from core.models import SmsCreditEntry, SmsMessage
    from core.sms.credit import credit_top_up
    from core.sms.sandbox import sandbox_calls, sandbox_delivered_count
    from messaging.bulk.models import BulkSend
    from messaging.bulk.services import bulk_create, bulk_schedule

    settings.SMS_BACKEND = "sandbox"
    agency = create_one()
    owner = AgencyMembership.objects.get(agency=agency, role=AgencyMembership.Role.OWNER)
    credit_top_up(agency_id=agency.pk, amount=Decimal(10) ** 12, note="bench")
    numbers = "\n".join(f"0912{n:07d}" for n in range(1_000_000, 1_000_000 + RECIPIENTS))
    with schema_context(agency.schema_name):
        started = time.perf_counter()
        bulk = bulk_create(
            agency=agency,
            membership=owner,
            name="جشنواره",
            body=BODY,
            audience=BulkSend.Audience.UPLOAD,
            line="service",  # the promotional window would make the run depend on the hour
            pasted=numbers,
        )
        created = time.perf_counter() - started

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SMS_BACKEND": "sandbox",
        "SMS_SANDBOX_REPORT_SECONDS": "3600",
    }
    log = ROOT / ".data" / "bench-sms-bulk-worker.log"
    log.parent.mkdir(exist_ok=True)
    markers = [ROOT / ".data" / f"bench-ready-{queue}-{index}" for index in range(WORKERS)]
    for marker in markers:
        marker.unlink(missing_ok=True)
    workers = [
        subprocess.Popen(  # noqa: S603 - our own worker
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue]
            + ["--pool", "solo", "-l", "warning", "--without-mingle", "--without-gossip"]
            + ["-n", f"bench{index}-{queue}@%h", "--include", "benchmarks._worker_ready"],
            cwd=ROOT,
            env={**env, "BENCH_WORKER_READY": str(markers[index])},
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for index in range(WORKERS)
    ]
    saved = (app.conf.broker_url, app.conf.broker_write_url, app.conf.task_default_queue)
    app.conf.broker_url = app.conf.broker_write_url = redis_url
    app.conf.task_default_queue = queue
    _forget_broker(app)
    source = f"bulk:{bulk.pk}"
    memory: list[int] = []
    calls_before = sandbox_calls("send")
    delivered_before = sandbox_delivered_count()
    try:
        wait_until_ready(markers, workers, log)  # every worker takes messages
        idle = sum(_rss_kib(worker.pid) for worker in workers)
        with schema_context(agency.schema_name):
            started = time.perf_counter()
            bulk_schedule(agency=agency, membership=owner, bulk=bulk)
        deadline = started + float(os.environ.get("BENCH_SMS_BULK_DEADLINE", "900"))
        while time.perf_counter() < deadline:
            memory.append(sum(_rss_kib(worker.pid) for worker in workers))
            queued = SmsMessage.objects.filter(source=source, agency_id=agency.pk)
            total = queued.count()
            waiting = queued.filter(status__in=("queued", "sending")).count()
            if os.environ.get("BENCH_VERBOSE"):
                print(
                    f"  {time.perf_counter() - started:.0f} s: {total} rows, {waiting} waiting",
                    flush=True,
                )
            if total == RECIPIENTS and waiting == 0:
                break
            time.sleep(1)
        else:
            raise RuntimeError(f"not all handed over within 15 minutes; see {log}")
        elapsed = time.perf_counter() - started
    finally:
        app.conf.broker_url, app.conf.broker_write_url, app.conf.task_default_queue = saved
        _forget_broker(app)
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)

    rows = SmsMessage.objects.filter(source=source, agency_id=agency.pk)
    distinct = rows.values("to").distinct().count()
    by_status = dict(rows.values_list("status").annotate(n=Count("id")))
    cost = rows.aggregate(total=Sum("cost"))["total"] or Decimal(0)
    charged = -(
        SmsCreditEntry.objects.filter(agency_id=agency.pk, kind="charge", source=source).aggregate(
            total=Sum("amount")
        )["total"]
        or Decimal(0)
    )
    delivered = sandbox_delivered_count() - delivered_before
    # Numbers ending 2222 are accepted and later reported undelivered: they reach no phone.
    reachable = rows.filter(status="sent").exclude(to__endswith="2222").count()
    calls = sandbox_calls("send") - calls_before
    peak = max(memory) if memory else 0
    report.add("list of numbers read, checked and de-duplicated", f"{created:.1f} s")
    report.add(
        f"send → all {RECIPIENTS:,} handed to the sandbox provider",
        f"{elapsed:.1f} s",
        target=f"≤ {TARGET_SECONDS:.0f} s",
        passed=elapsed <= TARGET_SECONDS,
    )
    report.add("messages per second", f"{RECIPIENTS / elapsed:,.0f}")
    report.add(
        "each number once",
        f"{rows.count():,} rows, {distinct:,} numbers",
        target="equal",
        passed=rows.count() == distinct == RECIPIENTS,
    )
    report.add(
        "charged once",
        f"{charged:,} rials charged for {cost:,} rials of messages",
        target="equal",
        passed=charged == cost,
    )
    report.add(
        "delivered once (sandbox, by local id)",
        f"{delivered:,} delivered for {reachable:,} accepted that reach a phone, "
        f"{calls:,} provider calls",
        target="equal",
        passed=delivered == reachable,
    )
    report.add(
        "workers' memory (both), idle → peak",
        f"{idle / 1024:.0f} MiB → {peak / 1024:.0f} MiB",
        target="flat",
        passed=peak <= idle + 150 * 1024,
    )
    report.note(
        f"{RECIPIENTS:,} numbers pasted as an uploaded list; the send is expanded by one tenant "
        "task in chunks of 10,000 (each chunk charged and queued in one transaction) and "
        f"drained by {WORKERS} real Celery workers (solo pool, Redis broker) in batches of "
        "100 through the sandbox provider (Redis). On the service line, so that the run does "
        "not wait for the promotional window whatever the hour. Statuses at the end: "
        + ", ".join(f"{status} {count:,}" for status, count in sorted(by_status.items()))
        + "."
    )

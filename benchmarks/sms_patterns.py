"""The daily contact-pattern run at the insurer's size (issue 13, "Measured"): 2,000
agencies holding 1,000,000 policies and 600,000 customers, each with one active
30-days-before-expiry renewal invitation, run by real Celery worker processes.

- the day's run over every agency (``messaging_patterns_run`` fanned out with
  ``tenant_fan_out``, no spreading window): all due messages decided and queued ≤ 60 s;
- the same day again: nothing queued;
- a fresh day whose run is cut by SIGKILL of the workers, then fresh workers and the
  fan-out again: per agency, messages == the due customers counted by SQL, none twice;
- the outbox drained through the sandbox provider by ``core.tasks.sms_drain``, its workers
  killed mid-drain too: every message handed over once (the sandbox's per-local-id
  records), none left queued or sending.

``BENCH_SMS_SCALE`` (default 1) scales the counts (``0.01`` for a quick look);
``BENCH_SMS_WORKERS`` sets the worker's processes (default: one per CPU, at most 4). The
tests run the section at a tiny scale so that it cannot rot.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from benchmarks._agencies import create_one, warm_pool
from benchmarks._crm_fill import FIRST_NAMES, LAST_NAMES, mobile_sql
from benchmarks._report import Report
from core.jalali import tehran
from core.text import normalize_text
from tenants.models import Agency

ORDER = 96
TITLE = "SMS patterns"
ROOT = Path(__file__).resolve().parent.parent
RUN_TARGET = 60.0
WORKERS = max(
    1,
    min(
        4,
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
    ),
)
# The messages wait for their hour, as the first run of the day queues them before the
# pattern's time: the run is measured alone, and the drain is started on purpose later.
SEND_TIME = dt.time(23, 59)
OFFSET_DAYS = 30
CREDIT = 50_000_000  # rials an agency, far more than three runs cost
BODY = (
    "{نام مشتری} عزیز، بیمه‌نامه شماره {شماره بیمه‌نامه} در {تاریخ انقضا} به پایان می‌رسد. "
    "برای تمدید با {نام نمایندگی} تماس بگیرید."
)
# The sandbox's tails (core/sms/sandbox.py) that never reach a phone: refused at sending,
# reported undelivered.
NOT_DELIVERED_TAILS = ("0000", "2222")
POLL = 0.05


@dataclass(frozen=True)
class Sizes:
    """How big the run is: ``BENCH_SMS_SCALE`` times the issue's figures (read at run time)."""

    scale: float
    agencies: int
    customers: int  # per agency
    policies: int  # per agency
    workers: int

    @classmethod
    def from_env(cls) -> Sizes:
        scale = float(os.environ.get("BENCH_SMS_SCALE", "1"))
        agencies = max(2, round(2_000 * scale))
        return cls(
            scale=scale,
            agencies=agencies,
            customers=max(20, round(600_000 * scale) // agencies),
            policies=max(30, round(1_000_000 * scale) // agencies),
            workers=int(os.environ.get("BENCH_SMS_WORKERS", WORKERS)),
        )


# --- Data ----------------------------------------------------------------------------------


def _frac(n: str, seed: int) -> str:
    return f"((hashint8extended({n}::bigint, {seed}) & 2147483647)::float8 / 2147483648.0)"


def _pick(array: str, size: int, n: str, seed: int) -> str:
    return f"(%({array})s::text[])[1 + floor(power({_frac(n, seed)}, 1.3) * {size})::int]"


# One agency's customers (most with a mobile and consent, a few opted out), its book of
# policies with other insurers expiring evenly over the next year (so that each day about
# 1/365 of them is 30 days from its end), one template and one active pattern. ``g`` numbers
# customers across agencies, ``h`` policies: every agency's rows differ.
_FILL = """
WITH customers AS (
    INSERT INTO {schema}.crm_customer (kind, party, first_name, last_name, company_name, job,
        position, city, mobile, preferred_channel, language, insurance_needs,
        insurance_needs_note, sms_consent, sms_consent_at, sms_consent_source, sms_opted_out_at,
        notes, source, created_at, updated_at)
    SELECT 'definite', 'person', {first}, {last}, '', '', '', 'تهران',
           CASE WHEN g %% 50 = 0 THEN '' ELSE {mobile} END, 'sms', 'fa', '{{}}', '',
           g %% 10 < 8, CASE WHEN g %% 10 < 8 THEN now() END,
           CASE WHEN g %% 10 < 8 THEN 'purchase' ELSE '' END,
           CASE WHEN g %% 97 = 0 THEN now() END, '', 'panel', now(), now()
    FROM generate_series(%(first_customer)s, %(first_customer)s + %(customers)s - 1) AS g
    ORDER BY g
    RETURNING id
), ids AS (
    SELECT array_agg(id ORDER BY id) AS id FROM customers
), template AS (
    INSERT INTO {schema}.messaging_smstemplate (name, body, line, is_active, created_at,
        updated_at)
    VALUES (%(template_name)s, %(body)s, 'service', true, now(), now())
    RETURNING id
), pattern AS (
    INSERT INTO {schema}.messaging_smspattern (name, event, offset_days, template_id,
        send_time, line_code, is_active, created_at, updated_at)
    SELECT %(pattern_name)s, 'expiry_before', %(offset)s, template.id, %(send_time)s, '', true,
           now(), now()
    FROM template
    RETURNING id
)
INSERT INTO {schema}.crm_bookpolicy (customer_id, origin, insurer_code, insurer_name,
    line_code, number, issued_on, start_date, end_date, premium, subject, plate, state,
    delivery_method, delivery_address_text, extra_1, extra_2, extra_3, extra_4, notes,
    created_at, updated_at)
SELECT ids.id[1 + floor({customer_frac} * %(customers)s)::int], 'other',
       (ARRAY['iran', 'asia', 'dana', 'alborz'])[1 + h %% 4], '',
       (ARRAY['third_party', 'third_party', 'motor_hull', 'fire'])[1 + floor({line_frac} * 4)::int],
       'BK-' || lpad(h::text, 10, '0'), ends - 366, ends - 365, ends,
       (5000000 + floor({premium_frac} * 75000) * 1000)::numeric, '', '', 'active',
       '', '', '', '', '', '', '', now(), now()
FROM generate_series(%(first_policy)s, %(first_policy)s + %(policies)s - 1) AS h
     CROSS JOIN ids CROSS JOIN pattern
     CROSS JOIN LATERAL (SELECT %(today)s::date + floor({end_frac} * 365)::int AS ends) AS drawn
"""


def _agencies(report: Report, count: int) -> list[Agency]:
    """``count`` active agencies whose CRM is empty (other sections fill some); the missing
    ones created the cheap way the provisioning section does."""
    empty: list[int] = []
    candidates = list(
        Agency.objects.filter(status=Agency.Status.ACTIVE)
        .exclude(schema_name="public")
        .order_by("code")
        .values_list("pk", "schema_name")
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        schemas = {row[0] for row in cursor.fetchall()}
        present = [(pk, name) for pk, name in candidates if name in schemas]
        for start in range(0, len(present), 500):
            chunk = present[start : start + 500]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT {pk}, EXISTS (SELECT 1 FROM {connection.ops.quote_name(name)}"  # noqa: S608
                    ".crm_customer)"
                    for pk, name in chunk
                )
            )
            empty += [pk for pk, used in cursor.fetchall() if not used]
    ids = empty[:count]
    missing = count - len(ids)
    if missing > 0:
        build = warm_pool(missing)
        started = time.monotonic()
        ids += [create_one().pk for _ in range(missing)]
        report.note(
            f"{missing:,} agencies created for this section (spares built in {build:.1f} s, "
            f"agencies through agency_create in {time.monotonic() - started:.1f} s)."
        )
    return list(Agency.objects.filter(pk__in=ids).order_by("code"))


def _fill(agencies: list[Agency], sizes: Sizes, today: dt.date) -> float:
    """Every agency's customers, book, template and pattern (one statement an agency), and
    its SMS credit (one statement for all); returns the seconds it took."""
    from messaging.placeholders import body_to_canonical

    with translation.override("fa"):
        body = normalize_text(body_to_canonical(BODY))
    sql = _FILL.format(
        schema="{schema}",
        first=_pick("first", len(FIRST_NAMES), "g", 41),
        last=_pick("last", len(LAST_NAMES), "g", 42),
        mobile=mobile_sql("g", 7),
        customer_frac=_frac("h", 43),
        line_frac=_frac("h", 44),
        premium_frac=_frac("h", 45),
        end_frac=_frac("h", 46),
    )
    started = time.monotonic()
    for index, agency in enumerate(agencies):
        # Written with the agency's search path, as the app writes: the CRM's triggers keep
        # each customer's standing in the schema they are named from (decision 062).
        connection.set_tenant(agency)  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            schema = connection.ops.quote_name(agency.schema_name)
            cursor.execute(
                sql.replace("{schema}", schema),
                {
                    "first_customer": index * sizes.customers + 1,
                    "customers": sizes.customers,
                    "first_policy": index * sizes.policies + 1,
                    "policies": sizes.policies,
                    "first": [normalize_text(name) for name in FIRST_NAMES],
                    "last": [normalize_text(name) for name in LAST_NAMES],
                    "today": today,
                    "template_name": normalize_text("دعوت به تمدید"),
                    "pattern_name": normalize_text("۳۰ روز پیش از پایان بیمه‌نامه"),
                    "body": body,
                    "offset": OFFSET_DAYS,
                    "send_time": SEND_TIME,
                },
            )
            cursor.execute(f"ANALYZE {schema}.crm_customer, {schema}.crm_bookpolicy")
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        ids = [agency.pk for agency in agencies]
        cursor.execute(
            "INSERT INTO core_smsaccount (agency_id, balance, window_start, window_end, "
            "automated_daily_cap, updated_at) SELECT id, %s, '08:00', '21:00', 1, now() "
            "FROM unnest(%s::bigint[]) AS id ON CONFLICT (agency_id) DO UPDATE "
            "SET balance = core_smsaccount.balance + excluded.balance, updated_at = now()",
            [CREDIT, ids],
        )
        cursor.execute(
            "INSERT INTO core_smscreditentry (agency_id, kind, amount, balance_after, messages, "
            "parts, source, reference, note, actor_id, actor_label, created_at) "
            "SELECT a.agency_id, 'top_up', %s, a.balance, 0, 0, '', '', 'benchmark', NULL, '', "
            "now() FROM core_smsaccount a WHERE a.agency_id = ANY(%s)",
            [CREDIT, ids],
        )
        cursor.execute("ANALYZE core_smsaccount")
    return time.monotonic() - started


def _run_date() -> dt.date:
    """The day a worker's run is for (Tehran), as ``patterns_run`` takes it."""
    return timezone.now().astimezone(tehran()).date()


_DUE = """
SELECT count(*), count(*) FILTER (WHERE sends), count(DISTINCT customer_id) FILTER (WHERE sends)
FROM (
    SELECT p.customer_id, c.merged_into_id IS NULL AND c.mobile <> ''
           AND c.sms_opted_out_at IS NULL AND c.sms_consent AS sends
    FROM {schema}.crm_bookpolicy p JOIN {schema}.crm_customer c ON c.id = p.customer_id
    WHERE p.end_date BETWEEN %(first)s AND %(last)s AND p.state = 'active'
      AND p.renewed_by_id IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM {schema}.crm_bookpolicy q
          WHERE q.customer_id = p.customer_id AND q.line_code = p.line_code
            AND q.end_date > p.end_date AND q.state <> 'cancelled')
) AS due
"""


@dataclass
class Due:
    subjects: int  # policies due (each decided once: sent or skipped)
    sending: int  # of which to a customer who can be texted
    customers: int  # distinct such customers: one message each (one automated a day)


def _due(agencies: list[Agency], run_date: dt.date) -> dict[int, Due]:
    """What the day's run must queue for each agency, counted by SQL from the rules (not
    by the run's code): the policies ending 30 days on, or up to the catch-up days
    earlier, not renewed; a message for each customer with a mobile and consent."""
    from messaging.patterns.events import CATCH_UP_DAYS

    last = run_date + dt.timedelta(days=OFFSET_DAYS)
    first = max(last - dt.timedelta(days=CATCH_UP_DAYS), run_date)
    due = {}
    with connection.cursor() as cursor:
        for agency in agencies:
            cursor.execute(
                _DUE.format(schema=connection.ops.quote_name(agency.schema_name)),
                {"first": first, "last": last},
            )
            due[agency.pk] = Due(*cursor.fetchone())
    return due


# --- Workers -------------------------------------------------------------------------------


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


def _broker_url() -> str:
    configured = str(settings.CELERY_BROKER_URL)
    return configured if configured.startswith(("redis://", "rediss://")) else settings.REDIS_URL


class Workers:
    """Real ``celery -A config worker`` processes on a queue of the run's own, pointed at
    this database, with the sandbox SMS provider; SIGKILL or SIGTERM to stop them."""

    def __init__(self, queue: str, processes: int, log_dir: Path, **env: str) -> None:
        self.queue, self.processes, self.log_dir = queue, processes, log_dir
        self.env = env
        self.started = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start the worker and wait until it takes messages; returns the start-up seconds."""
        self.started += 1
        marker = self.log_dir / f"ready-{self.started}"
        log = self.log_dir / f"worker-{self.started}.log"
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
            "CELERY_BROKER_URL": _broker_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "SMS_BACKEND": "sandbox",
            "BENCH_WORKER_READY": str(marker),
            "DJANGO_DEBUG": "0",
            **self.env,
        }
        started = time.monotonic()
        with log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue]
                + ["--pool", "prefork", "--concurrency", str(self.processes), "-l", "warning"]
                + ["--without-mingle", "--without-gossip", "--without-heartbeat"]
                + ["--include", "benchmarks._worker_ready"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait(
            lambda: marker.exists() or self.process is None or self.process.poll() is not None,
            120,
            f"worker start (see {log})",
        )
        if self.process.poll() is not None:
            raise RuntimeError(f"the worker did not start: {log.read_text()[-3000:]}")
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
        self.process = None


def _broker():  # type: ignore[no-untyped-def]
    from redis import Redis

    return Redis.from_url(_broker_url())


def _waiting(queue: str) -> int:
    """Messages of ``queue`` in the broker: waiting in its list, or taken by a worker and
    not acknowledged yet (kombu's ``unacked`` hash)."""
    client = _broker()
    waiting = 0
    for key in client.scan_iter(match=f"{queue}*", count=1000):
        if client.type(key) == b"list":
            waiting += client.llen(key)
    for raw in client.hvals("unacked"):
        if json.loads(raw)[2] == queue:
            waiting += 1
    return waiting


def _settled(queue: str) -> bool:
    """No message of ``queue`` waiting or being worked on, seen twice a poll apart (kombu
    moves a message from the list to ``unacked`` in two steps)."""
    if _waiting(queue):
        return False
    time.sleep(POLL)
    return _waiting(queue) == 0


def _forget_taken(queue: str) -> int:
    """Forget the deliveries a killed worker had taken (its ``unacked`` entries): kombu
    would put them back after its visibility timeout (an hour); the fan-out run again
    covers them. Returns how many."""
    client = _broker()
    forgotten = 0
    for tag, raw in client.hgetall("unacked").items():
        if json.loads(raw)[2] == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
            forgotten += 1
    return forgotten


def _forget_queue(queue: str) -> None:
    client = _broker()
    keys = list(client.scan_iter(match=f"*{queue}*", count=1000))
    if keys:
        client.delete(*keys)
    _forget_taken(queue)


@contextmanager
def _publishing_to(queue: str) -> Iterator[None]:
    """This process's tasks go to the workers' broker and queue (the run's broker is an
    in-memory one that no worker reads)."""
    from config.celery import app

    saved = (
        app.conf.broker_url,
        app.conf.broker_write_url,
        app.conf.task_default_queue,
        app.conf.task_always_eager,
    )

    def forget_connections() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = app.conf.broker_write_url = _broker_url()
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    forget_connections()
    try:
        yield
    finally:
        (
            app.conf.broker_url,
            app.conf.broker_write_url,
            app.conf.task_default_queue,
            app.conf.task_always_eager,
        ) = saved
        forget_connections()


def _wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done within {timeout:.0f} s")
        time.sleep(POLL)


# --- Counting ------------------------------------------------------------------------------


def _pattern_messages() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_smsmessage WHERE source LIKE 'pattern:%%'")
        return int(cursor.fetchone()[0])


def _messages_by_agency() -> dict[int, tuple[int, int]]:
    """(messages, distinct customers) of each agency's pattern messages."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT agency_id, count(*), count(DISTINCT (customer_id, source)) "
            "FROM core_smsmessage WHERE source LIKE 'pattern:%%' GROUP BY agency_id"
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _decisions(agencies: list[Agency]) -> dict[int, tuple[int, int, int]]:
    """(decisions, sent decisions, sent decisions linked to a message) of each agency."""
    counts = {}
    with connection.cursor() as cursor:
        for agency in agencies:
            schema = connection.ops.quote_name(agency.schema_name)
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE outcome = 'sent'), "  # noqa: S608
                "count(*) FILTER (WHERE outcome = 'sent' AND sms_message_id IS NOT NULL) "
                f"FROM {schema}.messaging_patternoccurrence"
            )
            counts[agency.pk] = cursor.fetchone()
    return counts


def _forget_the_day(agencies: list[Agency]) -> None:
    """A fresh day: the decisions and the messages of the runs before are gone."""
    with connection.cursor() as cursor:
        for agency in agencies:
            schema = connection.ops.quote_name(agency.schema_name)
            cursor.execute(f"DELETE FROM {schema}.messaging_patternoccurrence")  # noqa: S608
        cursor.execute("DELETE FROM core_smsmessage WHERE source LIKE 'pattern:%%'")


# --- The measures ----------------------------------------------------------------------------


@dataclass
class Run:
    agencies: int
    before: int
    after: int
    seconds: float
    published: float

    @property
    def queued(self) -> int:
        return self.after - self.before


def _day_run(queue: str, deadline: float) -> Run:
    """Fan the day's run out to every active agency and wait until the workers took and
    finished every message."""
    from messaging.patterns.tasks import messaging_patterns_run
    from tenants.tenant_tasks import tenant_fan_out

    before = _pattern_messages()
    started = time.monotonic()
    agencies = tenant_fan_out(messaging_patterns_run)
    published = time.monotonic() - started
    _wait(lambda: _settled(queue), deadline, "the day's run")
    seconds = time.monotonic() - started
    return Run(agencies, before, _pattern_messages(), seconds, published)


def _check_exactly_once(
    agencies: list[Agency], due: dict[int, Due]
) -> tuple[int, int, int, list[str]]:
    """(messages, lost, doubled, problems) of the agencies' pattern messages against what
    is due, and their decisions against their messages."""
    messages = _messages_by_agency()
    decisions = _decisions(agencies)
    total = lost = doubled = 0
    problems = []
    for agency in agencies:
        rows, distinct = messages.get(agency.pk, (0, 0))
        expected = due[agency.pk]
        decided, sent, linked = decisions[agency.pk]
        total += rows
        doubled += rows - distinct
        lost += max(0, expected.customers - distinct)
        if rows != expected.customers or distinct != rows or not (sent == linked == rows):
            problems.append(
                f"{agency.schema_name}: {rows} messages ({distinct} distinct), "
                f"{expected.customers} due; decisions {decided} ({sent} sent, {linked} linked)"
            )
    return total, lost, doubled, problems


def _drain_until_done(deadline: float, every: float = 2.0) -> float:
    """Start drains as beat would (every minute there, every ``every`` seconds here) until
    no pattern message is queued or being sent; returns the seconds."""
    from core.tasks import sms_drain

    started = time.monotonic()
    kicked = 0.0

    def left() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM core_smsmessage WHERE source LIKE 'pattern:%%' "
                "AND status IN ('queued', 'sending')"
            )
            return int(cursor.fetchone()[0])

    while left():
        if time.monotonic() - started > deadline:
            raise RuntimeError(f"the drain: messages still waiting after {deadline:.0f} s")
        if time.monotonic() - kicked > every:
            sms_drain.delay()
            kicked = time.monotonic()
        time.sleep(POLL)
    return time.monotonic() - started


def _statuses() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, count(*) FROM core_smsmessage WHERE source LIKE 'pattern:%%' "
            "GROUP BY status"
        )
        return dict(cursor.fetchall())


def _sandbox_check() -> tuple[int, int, int]:
    """(messages that should reach a phone, the sandbox's delivered count, messages the
    sandbox has no record of under their local id)."""
    from core.redis import redis_client
    from core.sms.sandbox import _prefix, sandbox_delivered_count

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, \"to\" FROM core_smsmessage WHERE source LIKE 'pattern:%%' ORDER BY id"
        )
        rows = cursor.fetchall()
    reaching = sum(1 for _id, number in rows if number[-4:] not in NOT_DELIVERED_TAILS)
    client = redis_client()
    prefix = _prefix()
    unknown = 0
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        stored = client.mget([f"{prefix}:m:{row_id}" for row_id, _number in chunk])
        for (_row_id, number), record in zip(chunk, stored, strict=True):
            if record is None or json.loads(record)["to"] != number:
                unknown += 1
    return reaching, sandbox_delivered_count(), unknown


def run(report: Report) -> None:
    sizes = Sizes.from_env()
    if connection.in_atomic_block:
        raise RuntimeError("the workers must see the rows: run outside a transaction")
    report.note(
        "Load average of the machine when the section started: "
        f"{os.getloadavg()[0]:.1f} (other work on the same CPUs slows every figure here)."
    )
    agencies = _agencies(report, sizes.agencies)
    today = _run_date()
    filled = _fill(agencies, sizes, today)
    report.add(
        f"Generate by SQL: {len(agencies):,} agencies × {sizes.customers:,} customers and "
        f"{sizes.policies:,} policies ({len(agencies) * sizes.customers:,} customers, "
        f"{len(agencies) * sizes.policies:,} policies), a template, a pattern and credit each",
        f"{filled:.1f} s",
    )
    due = _due(agencies, today)
    subjects = sum(d.subjects for d in due.values())
    expected = sum(d.customers for d in due.values())
    report.note(
        f"Due on {today.isoformat()} (30 days before the end, with the run's "
        f"catch-up days: a first run of the pattern decides three days' worth): "
        f"{subjects:,} policies, {sum(d.sending for d in due.values()):,} of them of customers "
        f"with a mobile and consent, {expected:,} distinct such customers (one automated message a "
        "day each), counted by SQL from the rules."
    )
    queue = f"bench-sms-{uuid.uuid4().hex[:8]}"
    with (
        tempfile.TemporaryDirectory(prefix="bench-sms-") as logs,
        _publishing_to(queue),
    ):
        workers = Workers(queue, sizes.workers, Path(logs))
        try:
            _measure(report, sizes, agencies, due, expected, queue, workers, Path(logs))
        except Exception:
            for log in sorted(Path(logs).glob("worker-*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            workers.stop()
            _forget_queue(queue)


def _measure(
    report: Report,
    sizes: Sizes,
    agencies: list[Agency],
    due: dict[int, Due],
    expected: int,
    queue: str,
    workers: Workers,
    logs: Path,
) -> None:
    deadline = max(600.0, len(agencies) * 0.5)
    boot = workers.start()
    load = os.getloadavg()[0]
    first = _day_run(queue, deadline)
    report.add(
        f"The day's run: {first.agencies:,} agencies fanned out (tenant_fan_out, no window), "
        f"a Celery worker of {sizes.workers} processes, until every message is taken and "
        f"done: {first.queued:,} messages decided and queued",
        f"{first.seconds:.1f} s",
        target=f"≤ {RUN_TARGET:.0f} s",
        passed=first.seconds <= RUN_TARGET and first.queued == expected,
    )
    report.add(
        "The day's run: messages queued a second / agencies a second",
        f"{first.queued / first.seconds:,.0f} / {first.agencies / first.seconds:,.0f}",
    )
    report.note(
        f"The fan-out published its {first.agencies:,} messages in {first.published:.1f} s; "
        f"the worker took {boot:.1f} s to start (not counted); load average {load:.1f} when "
        f"the run started. Messages wait for the pattern's time ({SEND_TIME:%H:%M}), as the "
        "first run of the day queues them before it, so no drain runs during the measure."
    )
    total, lost, doubled, problems = _check_exactly_once(agencies, due)
    report.add(
        "The day's run: messages / lost / doubled against the SQL count of due customers",
        f"{total:,} / {lost} / {doubled}",
        target=f"{expected:,} / 0 / 0",
        passed=total == expected and not lost and not doubled and not problems,
    )

    second = _day_run(queue, deadline)
    report.add(
        "The same day again: messages queued (rows before / after), time",
        f"{second.queued} ({second.before:,} / {second.after:,}), {second.seconds:.1f} s",
        target="0",
        passed=second.queued == 0,
    )

    _sigkill_run(report, agencies, due, expected, queue, workers, deadline)
    _sigkill_drain(report, expected, queue, workers, deadline)
    if problems:
        report.note("Agencies off their due count: " + "; ".join(problems[:5]))


def _sigkill_run(
    report: Report,
    agencies: list[Agency],
    due: dict[int, Due],
    expected: int,
    queue: str,
    workers: Workers,
    deadline: float,
) -> None:
    from messaging.patterns.tasks import messaging_patterns_run
    from tenants.tenant_tasks import tenant_fan_out

    _forget_the_day(agencies)
    tenant_fan_out(messaging_patterns_run)
    threshold = max(1, expected * 2 // 5)
    _wait(
        lambda: _pattern_messages() >= threshold or _waiting(queue) == 0,
        deadline,
        "the run to kill",
    )
    workers.kill()
    at_kill = _pattern_messages()
    left = _waiting(queue)
    taken = _forget_taken(queue)
    workers.start()
    again = _day_run(queue, deadline)
    total, lost, doubled, problems = _check_exactly_once(agencies, due)
    report.add(
        "SIGKILL of the worker mid-run, fresh worker, fan-out again: messages / lost / "
        "doubled against the SQL count",
        f"{total:,} / {lost} / {doubled}",
        target=f"{expected:,} / 0 / 0",
        passed=total == expected and not lost and not doubled and not problems,
    )
    report.note(
        f"SIGKILL came when {at_kill:,} of {expected:,} messages were queued; "
        f"{left:,} task messages were left in the broker, {taken} of them taken by the killed "
        f"processes (forgotten: kombu would bring them back after its visibility timeout). "
        f"The fresh worker's run with the fan-out again took {again.seconds:.1f} s."
    )
    if problems:
        report.note("After the kill, agencies off their due count: " + "; ".join(problems[:5]))


def _sigkill_drain(
    report: Report, expected: int, queue: str, workers: Workers, deadline: float
) -> None:
    from core.sms.outbox import sms_release_stale
    from core.tasks import sms_drain

    claim_timeout = 5
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_smsmessage SET not_before = now() WHERE source LIKE 'pattern:%%' "
            "AND status = 'queued'"
        )
    started = time.monotonic()
    for _ in range(workers.processes):
        sms_drain.delay()
    threshold = max(1, expected * 2 // 5)

    def handed_over() -> int:
        statuses = _statuses()
        return sum(count for status, count in statuses.items() if status not in {"queued"})

    _wait(
        lambda: handed_over() >= threshold or _waiting(queue) == 0,
        deadline,
        "the drain to kill",
    )
    workers.kill()
    at_kill = _statuses()
    _forget_taken(queue)
    workers.env["SMS_CLAIM_TIMEOUT_SECONDS"] = str(claim_timeout)
    workers.start()
    drained = _drain_until_done(deadline)
    seconds = time.monotonic() - started
    released = sms_release_stale()
    statuses = _statuses()
    reaching, delivered, unknown = _sandbox_check()
    stuck = statuses.get("queued", 0) + statuses.get("sending", 0)
    report.add(
        "Drain through the sandbox, SIGKILL mid-drain, fresh worker: delivered (sandbox, "
        "each local id once) / messages that can reach a phone / without a sandbox record / "
        "left queued or sending",
        f"{delivered:,} / {reaching:,} / {unknown} / {stuck}",
        target="equal / 0 / 0",
        passed=delivered == reaching and not unknown and not stuck and not released,
    )
    total = sum(statuses.values())
    report.add(
        "Drain: all messages handed to the sandbox, with the kill and restart (seconds / "
        "messages a second)",
        f"{seconds:.1f} s / {total / seconds:,.0f}",
    )
    report.note(
        f"Drain killed with {at_kill.get('sending', 0)} messages claimed (sending) and "
        f"{at_kill.get('queued', 0):,} still queued; the fresh worker "
        f"(SMS_CLAIM_TIMEOUT_SECONDS={claim_timeout}) queued the claimed ones again and sent "
        "them under the same local ids; drains were started every 2 s as beat does each minute "
        f"(the sandbox's 3333 numbers lose their first answer and wait for a retry). After "
        f"the restart {drained:.1f} s. Final statuses: "
        + ", ".join(f"{status} {count:,}" for status, count in sorted(statuses.items()))
        + "."
    )

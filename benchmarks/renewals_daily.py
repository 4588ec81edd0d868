"""The renewal lists' day at the insurer's size (issue 14, "Measured"): 2,000 agencies
holding 1,000,000 policies, 5 to 20 service staff each, run by real Celery worker processes.

- the day's build and distribution over every agency (``renewals_day`` fanned out with
  ``tenant_fan_out``, no spreading window): every renewal item (policies ending within 25
  days) and lapsed item (ended 3 to 57 days ago) built and given out ≤ 60 s;
- the beat again the same day: no item built, none moved (each agency's items and their
  staff members hashed before and after);
- the next day, its run cut by SIGKILL of the workers, then fresh workers and the fan-out
  again: per agency and kind, items == the eligible policies counted by SQL from the rules
  (not by the builders' SQL), none twice, each (kind, day) given out once, every share
  within one of the others, and the stored seeds reproduce the splits.

The book is sms_patterns' generator (imported, not copied): policies with other insurers
ending evenly over the next year; here one in twenty is moved to have ended 3 to 57 days
ago. In a full ``make bench`` the SMS patterns section's agencies are reused as they are.
``BENCH_RENEWALS_SCALE`` (default 1) scales the counts; ``BENCH_RENEWALS_WORKERS`` sets the
worker's processes (default: sms_patterns', one per CPU, at most 4). The tests run the section at a tiny scale so that it cannot rot.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

from benchmarks import sms_patterns as sms
from benchmarks._report import Report
from tenants.models import Agency

ORDER = 97
TITLE = "Renewal lists"
RUN_TARGET = 60.0
LAPSED_EVERY = 20  # one policy in 20 ended 3 to 57 days ago
LAPSED_SPREAD = 55
STAFF_MIN, STAFF_MAX = 5, 20
CHUNK = 250  # schemas read in one UNION ALL statement
VERIFY_SAMPLE = 100  # agencies whose runs are re-checked with distribution_verify


@dataclass(frozen=True)
class Sizes:
    scale: float
    agencies: int
    customers: int  # per agency
    policies: int  # per agency
    workers: int

    @classmethod
    def from_env(cls) -> Sizes:
        scale = float(os.environ.get("BENCH_RENEWALS_SCALE", "1"))
        agencies = max(2, round(2_000 * scale))
        return cls(
            scale=scale,
            agencies=agencies,
            customers=max(20, round(600_000 * scale) // agencies),
            policies=max(30, round(1_000_000 * scale) // agencies),
            workers=int(os.environ.get("BENCH_RENEWALS_WORKERS", sms.WORKERS)),
        )

    def sms(self) -> sms.Sizes:
        return sms.Sizes(
            scale=self.scale,
            agencies=self.agencies,
            customers=self.customers,
            policies=self.policies,
            workers=self.workers,
        )


def _quoted(agency: Agency) -> str:
    return connection.ops.quote_name(agency.schema_name)


def _each(agencies: list[Agency], select: str, params: dict[str, Any]) -> dict[int, tuple]:
    """``select`` (a row of one agency, ``{s}`` its schema) for every agency, a few hundred
    schemas a statement; agency id → the row's values."""
    rows: dict[int, tuple] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(agencies), CHUNK):
            chunk = agencies[start : start + CHUNK]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT {agency.pk}, " + select.replace("{s}", _quoted(agency))
                    for agency in chunk
                ),
                params,
            )
            for row in cursor.fetchall():
                rows[row[0]] = tuple(row[1:])
    return rows


# --- Data ----------------------------------------------------------------------------------


def _generated(agencies: list[Agency]) -> list[Agency]:
    """Those whose book sms_patterns' generator wrote and no renewal run touched yet."""
    if not agencies:
        return []
    found = _each(
        agencies,
        "EXISTS (SELECT 1 FROM {s}.crm_bookpolicy WHERE number LIKE 'BK-%%') "
        "AND NOT EXISTS (SELECT 1 FROM {s}.renewals_workitem)",
        {},
    )
    return [agency for agency in agencies if found[agency.pk][0]]


def _with_schema() -> list[Agency]:
    """Every active agency with a schema: those the fan-out visits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        schemas = {row[0] for row in cursor.fetchall()}
    return [
        agency
        for agency in Agency.objects.filter(status=Agency.Status.ACTIVE)
        .exclude(schema_name="public")
        .order_by("code")
        if agency.schema_name in schemas
    ]


def _agencies(report: Report, sizes: Sizes, today: dt.date) -> tuple[list[Agency], float]:
    """``sizes.agencies`` agencies with a generated book: sms_patterns' if it ran before in
    this database, the rest created and filled by its generator. Returns them and the
    seconds the filling took."""
    reused = _generated(_with_schema())[: sizes.agencies]
    missing = sizes.agencies - len(reused)
    filled = 0.0
    fresh: list[Agency] = []
    if missing:
        fresh = sms._agencies(report, missing)
        filled = sms._fill(fresh, sizes.sms(), today)
    if reused:
        report.note(
            f"{len(reused):,} agencies and their books reused from the SMS patterns section "
            "(the same generator)."
        )
    return sorted(reused + fresh, key=lambda agency: agency.code), filled


_LAPSE = """
UPDATE {s}.crm_bookpolicy
SET end_date = %(today)s - 3 - (id %% %(spread)s)::int,
    start_date = %(today)s - 368 - (id %% %(spread)s)::int,
    issued_on = %(today)s - 369 - (id %% %(spread)s)::int
WHERE id %% %(every)s = 0 AND number LIKE 'BK-%%'
"""

_STAFF = """
WITH spec AS (
    SELECT * FROM unnest(%(agencies)s::bigint[], %(counts)s::int[], %(firsts)s::bigint[])
        AS s(agency_id, n, first)
), drawn AS (
    SELECT agency_id, first + k AS g FROM spec, generate_series(0, spec.n - 1) AS k
), users AS (
    INSERT INTO accounts_user (password, last_login, is_superuser, mobile, first_name,
        last_name, national_code, birth_date, email, identity_verified_at, mobile_verified_at,
        insurer_role, signup_agency_id, is_staff, is_active, date_joined)
    SELECT '!', NULL, false, '0935' || lpad(g::text, 7, '0'), %(first_name)s,
           %(last_name)s || ' ' || g, '', NULL, '', NULL, now(), '', NULL, false, true, now()
    FROM drawn
    RETURNING id, mobile
)
INSERT INTO accounts_agencymembership (user_id, agency_id, role, is_active, created_at)
SELECT users.id, drawn.agency_id, 'staff', true, now()
FROM users JOIN drawn ON users.mobile = '0935' || lpad(drawn.g::text, 7, '0')
"""


def _shape(agencies: list[Agency], today: dt.date) -> tuple[int, float]:
    """One policy in twenty of each book ended 3 to 57 days ago; 5 to 20 active staff
    members an agency (those that have none). Returns (staff added, seconds)."""
    from accounts.models import AgencyMembership
    from core.text import normalize_text

    started = time.monotonic()
    for agency in agencies:
        # With the agency's search path, as the app writes (the CRM's triggers, decision 062).
        connection.set_tenant(agency)  # type: ignore[attr-defined]
        with connection.cursor() as cursor:
            cursor.execute(
                _LAPSE.replace("{s}", _quoted(agency)),
                {"today": today, "spread": LAPSED_SPREAD, "every": LAPSED_EVERY},
            )
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        staffed = set(
            AgencyMembership.objects.filter(
                agency__in=agencies, role=AgencyMembership.Role.STAFF
            ).values_list("agency_id", flat=True)
        )
        bare = [agency for agency in agencies if agency.pk not in staffed]
        cursor.execute("SELECT count(*) FROM accounts_user WHERE mobile LIKE '0935%%'")
        first = int(cursor.fetchone()[0]) + 1
        counts = [STAFF_MIN + index % (STAFF_MAX - STAFF_MIN + 1) for index in range(len(bare))]
        firsts = []
        for count in counts:
            firsts.append(first)
            first += count
        if bare:
            cursor.execute(
                _STAFF,
                {
                    "agencies": [agency.pk for agency in bare],
                    "counts": counts,
                    "firsts": firsts,
                    "first_name": normalize_text("کارشناس"),
                    "last_name": normalize_text("تمدید"),
                },
            )
        for agency in agencies:
            cursor.execute(f"ANALYZE {_quoted(agency)}.crm_bookpolicy")
        cursor.execute("ANALYZE accounts_user, accounts_agencymembership")
    return sum(counts), time.monotonic() - started


# --- Counting (independently of the builders) ------------------------------------------------

_COUNTS = """
(SELECT count(*) FROM {s}.renewals_workitem WHERE kind = 'renewal'),
(SELECT count(*) FROM {s}.renewals_workitem WHERE kind = 'lapsed'),
(SELECT count(*) - count(DISTINCT (kind, book_policy_id)) FROM {s}.renewals_workitem),
(SELECT count(*) FROM {s}.crm_bookpolicy p JOIN {s}.crm_customer c ON c.id = p.customer_id
 WHERE p.end_date BETWEEN %(renewal_from)s AND %(renewal_to)s
   AND p.state IN ('active', 'expired') AND p.renewed_by_id IS NULL
   AND c.merged_into_id IS NULL),
(SELECT count(*) FROM {s}.crm_bookpolicy p JOIN {s}.crm_customer c ON c.id = p.customer_id
 WHERE p.end_date BETWEEN %(lapsed_from)s AND %(lapsed_to)s
   AND p.state IN ('active', 'expired') AND p.renewed_by_id IS NULL
   AND c.merged_into_id IS NULL),
(SELECT count(*) FROM {s}.renewals_workitem
 WHERE state = 'open' AND queue = 'calls' AND assigned_to_user_id IS NULL),
(SELECT md5(coalesce(string_agg(id || ':' || coalesce(assigned_to_user_id, 0) || ':'
     || coalesce(run_id, 0) || ':' || state, ',' ORDER BY id), ''))
 FROM {s}.renewals_workitem)
"""

_RUNS = """
(SELECT coalesce(json_agg(json_build_array(r.id, r.kind, r.day, r.shares, r.items,
     r.left_unassigned)), '[]'::json) FROM {s}.renewals_distributionrun r),
(SELECT coalesce(json_agg(json_build_array(x.run_id, x.user_id, x.n)), '[]'::json)
 FROM (SELECT run_id, assigned_to_user_id AS user_id, count(*) AS n
       FROM {s}.renewals_workitem WHERE run_id IS NOT NULL GROUP BY 1, 2) AS x)
"""


@dataclass
class Count:
    renewal: int
    lapsed: int
    doubled: int
    renewal_due: int
    lapsed_due: int
    waiting: int  # open items on the calls list given to nobody
    digest: str


def _counts(agencies: list[Agency], first_day: dt.date, last_day: dt.date) -> dict[int, Count]:
    """Each agency's items, and its eligible policies by the rules, for the days from
    ``first_day`` to ``last_day``: renewal — ending from the first day to 25 days after the
    last, in force or expired, not renewed, customer not merged; lapsed — ended 3 days or
    more before the last day and at most 60 before the first."""
    rows = _each(
        agencies,
        _COUNTS,
        {
            "renewal_from": first_day,
            "renewal_to": last_day + dt.timedelta(days=25),
            "lapsed_from": first_day - dt.timedelta(days=60),
            "lapsed_to": last_day - dt.timedelta(days=3),
        },
    )
    return {pk: Count(*row) for pk, row in rows.items()}


@dataclass
class Fairness:
    runs: int = 0
    items: int = 0
    spread: int = 0  # the largest difference between two shares of one run
    wrong: int = 0  # runs whose items do not match their stored shares
    twice: int = 0  # (kind, day) given out more than once
    left: int = 0  # items a run could not give out


def _fairness(agencies: list[Agency]) -> Fairness:
    result = Fairness()
    for runs, counts in _each(agencies, _RUNS, {}).values():
        per_run: dict[int, dict[str, int]] = {}
        for run_id, user_id, n in counts:
            per_run.setdefault(run_id, {})[str(user_id)] = n
        seen = set()
        for run_id, kind, day, shares, items, left in runs:
            result.runs += 1
            result.items += items
            result.left += left
            result.twice += (kind, day) in seen
            seen.add((kind, day))
            if shares:
                result.spread = max(result.spread, max(shares.values()) - min(shares.values()))
            actual = per_run.get(run_id, {})
            if {user: n for user, n in shares.items() if n} != actual or sum(
                actual.values()
            ) != items:
                result.wrong += 1
    return result


def _verified(agencies: list[Agency]) -> tuple[int, int]:
    """(runs, runs ``distribution_verify`` accepts) of a random sample of agencies."""
    from renewals.models import DistributionRun
    from renewals.services.distribution import distribution_verify

    sample = random.Random(14).sample(agencies, min(VERIFY_SAMPLE, len(agencies)))  # noqa: S311
    runs = accepted = 0
    try:
        for agency in sample:
            connection.set_tenant(agency)  # type: ignore[attr-defined]
            for run in DistributionRun.objects.all():
                runs += 1
                accepted += distribution_verify(run)
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    return runs, accepted


def _check(
    counts: dict[int, Count], fairness: Fairness, staffed: set[int]
) -> tuple[int, int, int, int, list[str]]:
    """(items, eligible, doubled, waiting in staffed agencies, problems)."""
    items = eligible = doubled = waiting = 0
    problems = []
    for pk, count in counts.items():
        items += count.renewal + count.lapsed
        eligible += count.renewal_due + count.lapsed_due
        doubled += count.doubled
        if pk in staffed:
            waiting += count.waiting
        if (count.renewal, count.lapsed, count.doubled) != (
            count.renewal_due,
            count.lapsed_due,
            0,
        ):
            problems.append(
                f"agency {pk}: renewal {count.renewal}/{count.renewal_due}, "
                f"lapsed {count.lapsed}/{count.lapsed_due}, doubled {count.doubled}"
            )
    if fairness.twice or fairness.wrong or fairness.spread > 1:
        problems.append(
            f"runs: {fairness.twice} given out twice, {fairness.wrong} off their shares, "
            f"spread {fairness.spread}"
        )
    return items, eligible, doubled, waiting, problems


# --- The measures ----------------------------------------------------------------------------


def _fan_out(queue: str, deadline: float, day: dt.date | None = None) -> tuple[int, float]:
    from renewals.tasks import renewals_day
    from tenants.tenant_tasks import tenant_fan_out

    started = time.monotonic()
    kwargs = {"day": day.isoformat()} if day else {}
    agencies = tenant_fan_out(renewals_day, **kwargs)
    sms._wait(lambda: sms._settled(queue), deadline, "the day's run")
    return agencies, time.monotonic() - started


def run(report: Report) -> None:
    from renewals.services import clock

    sizes = Sizes.from_env()
    if connection.in_atomic_block:
        raise RuntimeError("the workers must see the rows: run outside a transaction")
    report.note(
        "Load average of the machine when the section started: "
        f"{os.getloadavg()[0]:.1f} (other work on the same CPUs slows every figure here)."
    )
    today = clock.today()
    mine, filled = _agencies(report, sizes, today)
    staff, shaped = _shape(mine, today)
    report.add(
        f"Generate by SQL: {len(mine):,} agencies × {sizes.policies:,} policies "
        f"({len(mine) * sizes.policies:,} policies; sms_patterns' generator), one in "
        f"{LAPSED_EVERY} ended 3–{LAPSED_SPREAD + 2} days ago; {staff:,} staff members "
        f"({STAFF_MIN}–{STAFF_MAX} an agency)",
        f"{filled + shaped:.1f} s",
    )
    queue = f"bench-renewals-{uuid.uuid4().hex[:8]}"
    with (
        tempfile.TemporaryDirectory(prefix="bench-renewals-") as logs,
        sms._publishing_to(queue),
    ):
        workers = sms.Workers(queue, sizes.workers, Path(logs))
        try:
            _measure(report, sizes, mine, today, queue, workers)
        except Exception:
            for log in sorted(Path(logs).glob("worker-*.log")):
                print(f"--- {log.name}\n{log.read_text()[-3000:]}", file=sys.stderr)
            raise
        finally:
            workers.stop()
            sms._forget_queue(queue)


def _measure(
    report: Report,
    sizes: Sizes,
    mine: list[Agency],
    today: dt.date,
    queue: str,
    workers: sms.Workers,
) -> None:
    visited = _with_schema()
    staffed = {agency.pk for agency in mine}
    deadline = max(600.0, len(visited) * 0.5)
    boot = workers.start()
    load = os.getloadavg()[0]
    agencies, seconds = _fan_out(queue, deadline)
    counts = _counts(visited, today, today)
    fairness = _fairness(visited)
    items, eligible, doubled, waiting, problems = _check(counts, fairness, staffed)
    renewal = sum(count.renewal for count in counts.values())
    lapsed = sum(count.lapsed for count in counts.values())
    report.add(
        f"The day's build and distribution: {agencies:,} agencies fanned out (tenant_fan_out, "
        f"no window), a Celery worker of {sizes.workers} processes, until every message is "
        f"done: {renewal:,} renewal and {lapsed:,} lapsed items built, {fairness.items:,} "
        f"given out in {fairness.runs:,} distributions",
        f"{seconds:.1f} s",
        target=f"≤ {RUN_TARGET:.0f} s",
        passed=seconds <= RUN_TARGET and not problems and fairness.items == items,
    )
    report.add(
        "The day's run: items a second / agencies a second",
        f"{items / seconds:,.0f} / {agencies / seconds:,.0f}",
    )
    report.add(
        "The day's run: items / eligible policies (SQL count from the rules) / doubled / "
        "left unassigned / largest share difference in a run",
        f"{items:,} / {eligible:,} / {doubled} / {waiting} / {fairness.spread}",
        target=f"{eligible:,} / {eligible:,} / 0 / 0 / ≤ 1",
        passed=items == eligible and not doubled and not waiting and fairness.spread <= 1,
    )
    report.note(
        f"The worker took {boot:.1f} s to start (not counted); load average {load:.1f} when "
        f"the run started. Each agency's task: the renewal and lapsed builders (one "
        "INSERT … SELECT each, the book's ended policies marked expired), then the three "
        "kinds' distributions in one transaction, under the agency's day lock."
    )

    again_agencies, again = _fan_out(queue, deadline)
    after = _counts(visited, today, today)
    built = sum(
        after[pk].renewal + after[pk].lapsed - counts[pk].renewal - counts[pk].lapsed
        for pk in counts
    )
    moved = sum(1 for pk in counts if after[pk].digest != counts[pk].digest)
    report.add(
        "The beat again the same day: items built / agencies whose items changed (an md5 of "
        "every item's id, staff member, run and state), time",
        f"{built} / {moved}, {again:.1f} s",
        target="0 / 0",
        passed=built == 0 and moved == 0 and again_agencies == agencies,
    )

    _sigkill(report, visited, staffed, today, queue, workers, deadline)
    if problems:
        report.note("Agencies off their count: " + "; ".join(problems[:5]))


def _sigkill(
    report: Report,
    visited: list[Agency],
    staffed: set[int],
    today: dt.date,
    queue: str,
    workers: sms.Workers,
    deadline: float,
) -> None:
    from renewals.tasks import renewals_day
    from tenants.tenant_tasks import tenant_fan_out

    tomorrow = today + dt.timedelta(days=1)
    sent = tenant_fan_out(renewals_day, day=tomorrow.isoformat())
    threshold = sent * 3 // 5
    sms._wait(lambda: sms._waiting(queue) <= threshold, deadline, "the run to kill")
    workers.kill()
    left = sms._waiting(queue)
    taken = sms._forget_taken(queue)
    workers.start()
    _agencies_again, seconds = _fan_out(queue, deadline, tomorrow)
    counts = _counts(visited, today, tomorrow)
    fairness = _fairness(visited)
    items, eligible, doubled, waiting, problems = _check(counts, fairness, staffed)
    report.add(
        "The next day, SIGKILL of the worker mid-run, fresh worker, fan-out again: items / "
        "eligible policies (SQL count from the rules, both days) / doubled / (kind, day) "
        "given out twice / largest share difference",
        f"{items:,} / {eligible:,} / {doubled} / {fairness.twice} / {fairness.spread}",
        target=f"{eligible:,} / {eligible:,} / 0 / 0 / ≤ 1",
        passed=items == eligible
        and not doubled
        and not fairness.twice
        and fairness.spread <= 1
        and not fairness.wrong
        and not waiting
        and not problems,
    )
    report.note(
        f"SIGKILL came with {left:,} of {sent:,} task messages left in the broker, {taken} "
        "of them taken by the killed processes (forgotten: kombu would bring them back after "
        f"its visibility timeout; the beat's next fan-out covers them). The fresh worker's "
        f"fan-out again took {seconds:.1f} s."
    )
    runs, accepted = _verified(visited)
    report.add(
        f"Fairness proof: distributions of {min(VERIFY_SAMPLE, len(visited))} agencies "
        "recomputed from their stored seeds (distribution_verify) / accepted",
        f"{runs:,} / {accepted:,}",
        target="all",
        passed=runs > 0 and runs == accepted,
    )
    if problems:
        report.note("After the kill, agencies off their count: " + "; ".join(problems[:5]))

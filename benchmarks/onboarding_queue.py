"""Agency applications on the ops host at the insurer's size (issue 15): 20,000 applications
in every state (made with bulk inserts, untimed); the queue (waiting, all states deep in the
pages, a normalised search) and an application's page, through the whole middleware stack
(Django test client, DEBUG off): p95 ≤ 150 ms each, with a query count that does not change
with the page or the filter."""

from __future__ import annotations

import os
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks._report import Report, median, ms, percentile

ORDER = 90
TITLE = "Agency applications queue"
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "20000"))
ROUNDS = int(os.environ.get("BENCH_APPLICATION_ROUNDS", "100"))
TARGET_SECONDS = 0.150
STATES = ["draft", "submitted", "correction_requested", "resubmitted", "approved", "rejected"]
FIRST_NAMES = ["علی", "مریم", "رضا", "زهرا", "حسین", "فاطمه", "محمد", "سارا"]


def _fill() -> float:
    from accounts.models import User
    from onboarding.models import AgencyApplication

    started = time.monotonic()
    unusable = make_password(None)  # applicants log in by SMS code only
    users = User.objects.bulk_create(
        [User(mobile=f"0938{n:07d}", password=unusable) for n in range(APPLICATIONS)],
        batch_size=2000,
    )
    now = timezone.now()
    rows = []
    for n, user in enumerate(users):
        state = STATES[n % len(STATES)]
        rows.append(
            AgencyApplication(
                applicant=user,
                state=state,
                first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                last_name=f"متقاضی{n}",
                national_code=f"{n:010d}",
                mobile=user.mobile,
                province="تهران",
                city="تهران",
                address="خیابان ولیعصر",
                latitude=Decimal("35.7"),
                longitude=Decimal("51.4"),
                terms_version="1405-01",
                terms_accepted_at=now,
                kind="agent",
                line_codes=["third_party", "fire"],
                licence_number=f"L{n:07d}",
                submitted_at=None if state == "draft" else now,
            )
        )
    AgencyApplication.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE onboarding_agencyapplication")
    return time.monotonic() - started


def _timed(call, rounds: int) -> list[float]:
    timings = []
    for index in range(rounds):
        started = time.perf_counter()
        call(index)
        timings.append(time.perf_counter() - started)
    return timings


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def run(report: Report) -> None:
    from accounts.models import User
    from onboarding.models import AgencyApplication

    seconds = _fill()
    waiting = AgencyApplication.objects.filter(state__in=AgencyApplication.WAITING).count()
    report.note(
        f"Data: {APPLICATIONS:,} applications (a sixth in each state, {waiting:,} waiting) and "
        f"their accounts, bulk-inserted in {seconds:.1f} s (untimed)."
    )
    operator = User.objects.create_user("09390000000", insurer_role="operator")
    client = Client()
    client.force_login(operator)
    host = "ops.localhost"

    def after(position: int) -> str:
        """The link of the page of all states that starts at ``position`` (found untimed)."""
        from urllib.parse import quote

        from core.keyset import keyset_cursor
        from onboarding.selectors import applications_for_ops

        row = applications_for_ops(state="")[position - 1]
        return quote(keyset_cursor(row, keys=["queue_at", "pk"]))

    pages = {
        "waiting, page 1": "/agency-applications/",
        "all states, page 200 (keyset link)": f"/agency-applications/?state=&after={after(199 * 50)}",
        "search «مريم متقاضي1234»": "/agency-applications/?state=&q=مريم+متقاضي1234",
    }
    sample = AgencyApplication.objects.filter(state="submitted").order_by("id")
    ids = list(sample.values_list("pk", flat=True)[:ROUNDS])

    def get(path: str) -> None:
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 200, response.status_code

    for _ in range(5):
        get(pages["waiting, page 1"])
    counts = {}
    for name, path in pages.items():
        timings = _timed(lambda index, path=path: get(path), ROUNDS)
        counts[name] = _queries(lambda path=path: get(path))
        p95 = percentile(timings, 0.95)
        report.add(
            f"Queue, {name} ({ROUNDS} GETs): median / p95",
            f"{ms(median(timings))} / {ms(p95)}",
            target=f"p95 ≤ {ms(TARGET_SECONDS)}",
            passed=p95 <= TARGET_SECONDS,
        )
    report.add(
        "Queue: queries (waiting, page 200 of all, search)",
        " / ".join(str(count) for count in counts.values()),
        target="constant",
        passed=len(set(counts.values())) == 1,
    )
    timings = _timed(lambda index: get(f"/agency-applications/{ids[index]}/"), len(ids))
    detail_counts = {_queries(lambda pk=pk: get(f"/agency-applications/{pk}/")) for pk in ids[:3]}
    p95 = percentile(timings, 0.95)
    report.add(
        f"Application page ({len(ids)} applications): median / p95",
        f"{ms(median(timings))} / {ms(p95)}",
        target=f"p95 ≤ {ms(TARGET_SECONDS)}",
        passed=p95 <= TARGET_SECONDS,
    )
    report.add(
        "Application page: queries (three applications)",
        " / ".join(str(count) for count in sorted(detail_counts)),
        target="constant",
        passed=len(detail_counts) == 1,
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report.note(
        f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs (the machine is "
        "shared). The queue reads the indexes application_waiting / application_queue / "
        "application_all in its order from the last row shown (keyset: 50 rows, no count, no "
        "OFFSET); the search matches the start of words through the GIN index "
        "application_search_words (no pg_trgm)."
    )

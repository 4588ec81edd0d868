"""Renewal calls at a big agency's size (issue 14): one agency with 10,000 open renewal
items (customers, book policies and items generated in SQL) given out to 10 staff; a staff
member's list page and recording a result through the panel (Django test client, the whole
middleware stack, DEBUG off): p95 ≤ 100 ms each, with a query count that does not change
with the page or the item."""

from __future__ import annotations

import os
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks._agencies import create_one, warm_pool
from benchmarks._crm_fill import crm_fill
from benchmarks._report import Report, median, ms, percentile

ORDER = 85
TITLE = "Renewal calls pages"
ITEMS = int(os.environ.get("BENCH_RENEWAL_ITEMS", "10000"))
STAFF = int(os.environ.get("BENCH_RENEWAL_STAFF", "10"))
ROUNDS = int(os.environ.get("BENCH_RENEWAL_ROUNDS", "200"))
TARGET_SECONDS = 0.100

# Every book policy becomes an open renewal item, dealt round-robin to the staff; a third
# already called back (today, tomorrow or later), the rest never called.
_ITEMS = """
INSERT INTO renewals_workitem (
    kind, book_policy_id, customer_id, line_code, end_date, premium, state, queue,
    assigned_to_user_id, assigned_on, due_at, next_call_at, attempts, unanswered_days,
    last_result, last_result_at, outcome, channel, elsewhere_insurer, points, created_on,
    created_at, updated_at
)
SELECT 'renewal', b.id, b.customer_id, b.line_code, current_date + (25 - n %% 20)::int,
       b.premium, 'open', 'calls', (%(staff)s::bigint[])[(1 + n %% %(staff_count)s)::int],
       current_date, %(due)s,
       CASE (n / %(staff_count)s) %% 3 WHEN 0 THEN %(now)s + make_interval(days => (n %% 4)::int) ELSE NULL END,
       CASE (n / %(staff_count)s) %% 3 WHEN 0 THEN 1 ELSE 0 END, 0,
       CASE (n / %(staff_count)s) %% 3 WHEN 0 THEN 'call_back' ELSE '' END,
       CASE (n / %(staff_count)s) %% 3 WHEN 0 THEN %(now)s ELSE NULL END,
       '', '', '', 0, current_date, %(now)s, %(now)s
FROM (SELECT id, customer_id, line_code, premium, row_number() OVER (ORDER BY id) AS n
      FROM crm_bookpolicy ORDER BY id LIMIT %(items)s) AS b
"""


def _staff(agency) -> list:
    from accounts.models import AgencyMembership, User

    people = []
    for index in range(STAFF):
        user = User.objects.create_user(f"0936{agency.code % 1000:03d}{index:04d}")
        user.first_name, user.last_name = "کارمند", f"شماره {index + 1}"
        user.save(update_fields=["first_name", "last_name"])
        AgencyMembership.objects.create(agency=agency, user=user, role="staff")
        people.append(user)
    return people


def _fill(agency, staff: list) -> float:
    from django.utils import timezone

    from renewals.services import clock

    started = time.monotonic()
    connection.set_tenant(agency)  # type: ignore[attr-defined]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                _ITEMS,
                {
                    "staff": [user.pk for user in staff],
                    "staff_count": len(staff),
                    "items": ITEMS,
                    "due": clock.due_at(clock.today()),
                    "now": timezone.now(),
                },
            )
            cursor.execute("ANALYZE renewals_workitem")
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
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
    from renewals.models import WorkItem

    warm_pool(1)
    agency = create_one()
    data = crm_fill(agency.schema_name, customers=ITEMS, policies=ITEMS)
    staff = _staff(agency)
    seconds = _fill(agency, staff)
    connection.set_tenant(agency)  # type: ignore[attr-defined]
    try:
        open_items = WorkItem.objects.filter(state="open").count()
        mine = list(
            WorkItem.objects.filter(assigned_to_user_id=staff[0].pk, next_call_at__isnull=True)
            .order_by("id")
            .values_list("pk", flat=True)
        )
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
    report.note(
        f"Data: {data.customers:,} customers, {data.book:,} book policies and {open_items:,} "
        f"open renewal items given out to {len(staff)} staff, generated in SQL in "
        f"{data.seconds + seconds:.1f} s (untimed)."
    )
    host = f"panel.{settings.BASE_DOMAIN}"
    client = Client()
    client.force_login(staff[0])

    def listing(index: int = 0, path: str = "/renewals/") -> None:
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code == 200, response.status_code

    for _ in range(5):
        listing()
    timings = _timed(listing, ROUNDS)
    counts = {
        _queries(lambda path=path: listing(path=path))
        for path in ("/renewals/", "/renewals/?page=3", "/renewals/?tab=all&page=5")
    }
    per_staff = open_items // len(staff)
    p95 = percentile(timings, 0.95)
    report.add(
        f"Staff list page (about {per_staff:,} open items of the member's, {ROUNDS} GETs): "
        "median / p95",
        f"{ms(median(timings))} / {ms(p95)}",
        target=f"p95 ≤ {ms(TARGET_SECONDS)}",
        passed=p95 <= TARGET_SECONDS,
    )
    report.add(
        "Staff list page: queries (page 1, page 3, all open page 5)",
        " / ".join(str(count) for count in sorted(counts)),
        target="constant",
        passed=len(counts) == 1,
    )
    rounds = min(ROUNDS, len(mine) - 2)

    def record(index: int) -> None:
        response = client.post(
            f"/renewals/items/{mine[index]}/", {"result": "not_reachable"}, HTTP_HOST=host
        )
        assert response.status_code == 302, response.status_code

    recorded = _timed(record, rounds)
    post_counts = {_queries(lambda index=index: record(index)) for index in (rounds, rounds + 1)}
    p95 = percentile(recorded, 0.95)
    report.add(
        f"Recording a result (not reachable, {rounds} items, POST and redirect): median / p95",
        f"{ms(median(recorded))} / {ms(p95)}",
        target=f"p95 ≤ {ms(TARGET_SECONDS)}",
        passed=p95 <= TARGET_SECONDS,
    )
    report.add(
        "Recording a result: queries (two items)",
        " / ".join(str(count) for count in sorted(post_counts)),
        target="constant",
        passed=len(post_counts) == 1,
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report.note(
        f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs (the machine is "
        "shared). The list reads the partial index renewal_item_staff_list; a page is 50 "
        "rows with its count."
    )

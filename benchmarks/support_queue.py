"""Support tickets at the insurer's size (decision 051): 100,000 tickets generated in SQL
over the seeded categories; the ops queue (default view, a far page, a category's late
tickets) through the Django test client with the whole middleware stack: p95 ≤ 100 ms, with
a query count that does not change with the page or the filter."""

from __future__ import annotations

import os
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks._report import Report, median, ms, percentile

ORDER = 95
TITLE = "Support ticket queues"
TICKETS = int(os.environ.get("BENCH_SUPPORT_TICKETS", "100000"))
ROUNDS = int(os.environ.get("BENCH_SUPPORT_ROUNDS", "200"))
TARGET_SECONDS = 0.100

# A third answered, the rest waiting for the insurer; half of those past their due time.
_TICKETS = """
INSERT INTO support_ticket (side, customer_id, opened_by_id, category_id, subject, state,
                            priority, due_at, created_at, updated_at)
SELECT 'customer', %(customer)s, %(customer)s,
       (%(categories)s::bigint[])[(1 + n %% %(category_count)s)::int], 'موضوع ' || n,
       CASE WHEN n %% 3 = 0 THEN 'answered' ELSE 'new' END, 0,
       CASE WHEN n %% 3 = 0 THEN NULL
            ELSE now() + ((n - %(tickets)s / 2) || ' minutes')::interval END,
       now() - (n || ' seconds')::interval, now()
FROM generate_series(1, %(tickets)s) AS n
"""


def _timed(call, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def run(report: Report) -> None:
    from accounts.models import User
    from support.models import Category, Ticket

    customer = User.objects.create_user("09350000001", first_name="مشتری", last_name="نمونه")
    operator = User.objects.create_user("09350000002", insurer_role="operator")
    categories = list(Category.objects.values_list("pk", flat=True))
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            _TICKETS,
            {
                "customer": customer.pk,
                "categories": categories,
                "category_count": len(categories),
                "tickets": TICKETS,
            },
        )
        cursor.execute("ANALYZE support_ticket")
    seconds = time.monotonic() - started
    report.note(
        f"Data: {Ticket.objects.count():,} tickets over {len(categories)} categories, "
        f"generated in SQL in {seconds:.1f} s (untimed)."
    )
    client = Client()
    client.force_login(operator)
    host = "ops.localhost"
    # A category with late tickets (every third ticket is answered, so with six categories
    # two of them hold no waiting ticket at all).
    first = (
        Ticket.objects.filter(state="new").order_by("id").values_list("category_id", flat=True)[0]
    )

    def after(position: int, **filters) -> str:
        """The link of the page that starts at ``position`` (found untimed, with OFFSET)."""
        from urllib.parse import quote

        from core.keyset import keyset_cursor
        from support.models import QUEUE_KEYS
        from support.selectors import QueueFilter, ops_queue

        queue = ops_queue(user=operator, filters=QueueFilter(**filters))
        return quote(keyset_cursor(queue[position - 1], keys=list(QUEUE_KEYS)))

    category = Category.objects.get(pk=first)
    paths = {
        "queue (waiting for the insurer, page 1)": "/support/",
        "queue, page 500 (keyset link)": f"/support/?after={after(499 * 50)}",
        "one category's late tickets, page 3 (keyset link)": (
            f"/support/?category={first}&late=on"
            f"&after={after(2 * 50, category=category, late=True)}"
        ),
    }
    for label, path in paths.items():

        def get(path: str = path) -> None:
            response = client.get(path, HTTP_HOST=host)
            assert response.status_code == 200, response.status_code

        for _ in range(5):
            get()
        timings = _timed(get, ROUNDS)
        with CaptureQueriesContext(connection) as captured:
            get()
        p95 = percentile(timings, 0.95)
        report.add(
            f"Ops {label} ({ROUNDS} GETs): median / p95 — queries",
            f"{ms(median(timings))} / {ms(p95)} — {len(captured.captured_queries)}",
            target=f"p95 ≤ {ms(TARGET_SECONDS)}",
            passed=p95 <= TARGET_SECONDS,
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report.note(
        f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs (the machine is "
        "shared). A page is 50 rows after the last one shown (keyset, no count, no OFFSET), "
        "read from the partial indexes support_waiting_all / support_waiting_order in the "
        "queue's order; the queues' badges read the counts kept by triggers "
        "(support_queuewaiting)."
    )

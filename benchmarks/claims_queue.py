"""The insurer's claims queue at 100,000 claims (issue 15, decision 048): claims generated in
SQL over a few hundred policies; the ops queue (oldest first, by state and line, searched)
and a claim's page through the Django test client with the whole middleware stack, DEBUG
off: p95 ≤ 200 ms each, with a query count that does not change with the page."""

from __future__ import annotations

import datetime as dt
import os
import time
from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks._report import Report, median, ms, percentile

ORDER = 87
TITLE = "Claims queue"
CLAIMS = int(os.environ.get("BENCH_CLAIMS", "100000"))
POLICIES = 500
ROUNDS = int(os.environ.get("BENCH_CLAIMS_ROUNDS", "50"))
TARGET_SECONDS = 0.200
STATES = [
    "filed",
    "documents_complete",
    "assessor_assigned",
    "assessed",
    "approved",
    "payment_ordered",
    "paid",
    "rejected",
]

_CLAIMS = """
INSERT INTO claims_claim (
    public_id, number, policy_id, line_id, agency_id, customer_id, insured_name, mobile,
    occurred_at, province, city, place, description, state, missing_note, reminders_sent,
    amount, rejection_reason, payment_reference, filed_at, updated_at, paid_at
)
SELECT gen_random_uuid(), 'B' || lpad(n::text, 9, '0'),
       (%(policies)s::bigint[])[(1 + n %% %(policy_count)s)::int], %(line)s, NULL, %(customer)s,
       'بیمه‌شده ' || n, '0912' || lpad((n %% 10000000)::text, 7, '0'),
       %(now)s - make_interval(days => (n %% 300)::int), 'تهران', 'تهران', 'خیابان ' || n,
       'شرح', (%(states)s::varchar[])[(1 + n %% 8)::int], '', 0,
       CASE WHEN n %% 8 = 6 THEN 1000000 ELSE NULL END,
       CASE WHEN n %% 8 = 7 THEN 'خارج از تعهد' ELSE '' END, '',
       %(now)s - make_interval(mins => (%(count)s - n)::int), %(now)s,
       CASE WHEN n %% 8 = 6 THEN %(now)s ELSE NULL END
FROM generate_series(1, %(count)s) AS n
"""


def _policies() -> tuple[list[int], int, int]:
    from accounts.models import User
    from policies.models import Line, Order, Policy, Quote, TariffVersion

    line, _ = Line.objects.get_or_create(
        code="third_party", defaults={"number_code": 11, "name": "بیمه شخص ثالث"}
    )
    tariff = TariffVersion.objects.create(line=line, number=900, status="active")
    customer = User.objects.create_user("09359990000")
    ids = []
    today = timezone.localdate()
    for index in range(POLICIES):
        quote = Quote.objects.create(
            line=line,
            tariff_version=tariff,
            premium=Decimal("10000000"),
            term_days=365,
            expires_at=timezone.now(),
        )
        order = Order.objects.create(
            channel="main",
            customer=customer,
            quote=quote,
            line=line,
            tariff_version=tariff,
            premium=quote.premium,
            term_days=365,
            state="issued",
        )
        policy = Policy.objects.create(
            order=order,
            number=f"1405-11-9{index:05d}",
            line=line,
            jalali_year=1405,
            sequence=900000 + index,
            customer=customer,
            start_date=today - dt.timedelta(days=300),
            end_date=today + dt.timedelta(days=65),
            premium=quote.premium,
            tariff_version=tariff,
            verification_code=f"BENCHCL{index:05d}",
        )
        ids.append(policy.pk)
    return ids, line.pk, customer.pk


def _timed(call, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def run(report: Report) -> None:
    from accounts.models import User
    from claims.models import Claim

    started = time.monotonic()
    policies, line_id, customer_id = _policies()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIMS,
            {
                "policies": policies,
                "policy_count": len(policies),
                "line": line_id,
                "customer": customer_id,
                "now": timezone.now(),
                "states": STATES,
                "count": CLAIMS,
            },
        )
        cursor.execute("ANALYZE claims_claim")
    filled = time.monotonic() - started
    total = Claim.objects.count()
    report.note(
        f"Data: {total:,} claims over {len(policies)} policies, all states alike, generated in "
        f"SQL in {filled:.1f} s (untimed)."
    )
    operator = User.objects.create_user("09359990001", insurer_role="operator")
    client = Client()
    client.force_login(operator)
    host = "ops.localhost"
    some = Claim.objects.order_by("-id").values_list("public_id", "number")[:1].get()

    def get(path: str):
        def call() -> None:
            response = client.get(path, HTTP_HOST=host)
            assert response.status_code == 200, (path, response.status_code)

        return call

    def after(claims, position: int) -> str:
        """The link of the page that starts at ``position`` (found untimed, with OFFSET)."""
        from urllib.parse import quote

        from core.keyset import keyset_cursor

        row = claims.order_by("filed_at", "id")[position - 1]
        return quote(keyset_cursor(row, keys=["filed_at", "pk"]))

    assessed = Claim.objects.filter(state="assessed", line__code="third_party")
    pages = [
        ("Queue, all states, page 1", "/claims/"),
        ("Queue, filed, page 1", "/claims/?state=filed"),
        (
            "Queue, line and state, page 100 (keyset link)",
            f"/claims/?state=assessed&line=third_party&after={after(assessed, 99 * 50)}",
        ),
        (
            "Queue, last page of all (keyset link)",
            f"/claims/?after={after(Claim.objects.all(), (total - 1) // 50 * 50)}",
        ),
        ("Queue, search by number", f"/claims/?q={some[1]}"),
        ("Queue, search by insured name", "/claims/?q=بیمه‌شده+77777"),
        ("A claim's page", f"/claims/{some[0]}/"),
    ]
    counts = {}
    for label, path in pages:
        for _ in range(3):
            get(path)()
        timings = _timed(get(path), ROUNDS)
        p95 = percentile(timings, 0.95)
        report.add(
            f"{label} ({ROUNDS} GETs): median / p95",
            f"{ms(median(timings))} / {ms(p95)}",
            target=f"p95 ≤ {ms(TARGET_SECONDS)}",
            passed=p95 <= TARGET_SECONDS,
        )
        with CaptureQueriesContext(connection) as captured:
            get(path)()
        counts[label] = len(captured.captured_queries)
    queue_counts = {count for label, count in counts.items() if label.startswith("Queue")}
    report.add(
        "Queue pages: queries (every filter and page above)",
        " / ".join(str(count) for count in sorted(queue_counts)),
        target="constant",
        passed=len(queue_counts) == 1,
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report.note(
        f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs (the machine is "
        "shared). The queue reads the indexes claims_queue (state, filed_at, id), "
        "claims_line_queue and claims_line_all from the last row shown (keyset: no count, no "
        "OFFSET); the number is matched whole (its unique index), names by the start of their "
        "words (the GIN index claims_search_words, without pg_trgm)."
    )
    Claim.objects.all().delete()

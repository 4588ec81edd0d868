"""Renewal retention figures (decision 045) at the size of a big agency: one schema with
200,000 customers in 30 regions and 1,000,000 book policies — 600,000 expiring in Jalali
1405 (60 % renewed, most linked to one of the 400,000 new policies expiring in 1406, the
rest renewed elsewhere, declined, cancelled or not yet) — and a work item for each of the
600,000 spread over 15 staff members, all generated in SQL. Timed: the retention report
(one statement, every grouping and the total) for this month, for the whole year and for
one staff member; points and the day's premium for a month; the dashboard's card and chart
(the owner's and a staff member's: the line grouping and the total alone)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from benchmarks._agencies import create_one, warm_pool
from benchmarks._crm_ranking_data import _insert, crm_fill
from benchmarks._report import Report, percentile

ORDER = 84
TITLE = "Renewal figures"
CUSTOMERS = int(os.environ.get("BENCH_FIGURES_CUSTOMERS", "200000"))
OLD = int(os.environ.get("BENCH_FIGURES_OLD", "600000"))
NEW = int(os.environ.get("BENCH_FIGURES_NEW", "400000"))
STAFF = 15
REGIONS = 30
RUNS = 7
MONTH_TARGET = 1.0
YEAR_TARGET = 10.0
# The panel's most visited page: its renewal card and chart (p95).
DASHBOARD_TARGET = 0.1


def _fill(agency: Any, staff: list[int]) -> dict[str, Any]:
    from crm.models import BookPolicy, Customer, Region
    from renewals.models import WorkItem

    started = time.monotonic()
    crm_fill(agency.schema_name, customers=CUSTOMERS, policies=0, claims=0, cheques=0)
    connection.set_tenant(agency)  # type: ignore[attr-defined]
    book, customer, region = (
        BookPolicy._meta.db_table,
        Customer._meta.db_table,
        Region._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(REGIONS):
            Region.objects.create(name=f"ناحیه {n + 1}")
        cursor.execute(f"SELECT MIN(id) FROM {region}")  # noqa: S608
        (first_region,) = cursor.fetchone()
        cursor.execute(
            f"UPDATE {customer} SET region_id = %s + (id %% %s) - 1 "  # noqa: S608
            f"WHERE id %% %s <> 0",
            [first_region, REGIONS + 1, REGIONS + 1],
        )
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {customer}")  # noqa: S608
        first_customer, last_customer = cursor.fetchone()
        people = last_customer - first_customer + 1
        lines = "(ARRAY['third_party','body','fire','travel'])[1 + g % 4]"
        # The renewals: sold here, expiring in 1406.
        _insert(
            BookPolicy,
            {
                "customer_id": f"{first_customer} + (g::bigint * 7919) % {people}",
                "origin": "'ledger'",
                "policy_id": "g",
                "line_code": lines,
                "number": "'N-' || g",
                "premium": "(1200000 + (g % 997) * 27000)::numeric",
                "commission": "(g % 997) * 1100",
                "state": "'active'",
                "start_date": "date '2026-03-21' + (g % 365)",
                "end_date": "date '2027-03-21' + (g % 365)",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, %(n)s) AS g",
            {"n": NEW},
        )
        cursor.execute(f"SELECT MIN(id) FROM {book}")  # noqa: S608
        (first_new,) = cursor.fetchone()
        # The policies due in 1405 (other insurers' and the agency's alike for the figures).
        _insert(
            BookPolicy,
            {
                "customer_id": f"{first_customer} + (g::bigint * 7919) % {people}",
                "origin": "'other'",
                "insurer_code": "'asia'",
                "line_code": lines,
                "number": "'O-' || g",
                "premium": "(1000000 + (g % 997) * 25000)::numeric",
                "commission": "CASE WHEN g % 3 = 0 THEN NULL ELSE (g % 997) * 1000 END",
                "state": "CASE WHEN g % 10 < 6 THEN 'renewed' WHEN g % 50 = 49 THEN "
                "'cancelled' ELSE 'active' END",
                "state_changed_at": "CASE WHEN g % 50 = 49 THEN timestamp '2026-01-01' END",
                "renewed_by_id": f"CASE WHEN g % 10 < 6 AND g <= {NEW} THEN {first_new} + g - 1 END",
                "start_date": "date '2025-03-21' + (g % 365)",
                "end_date": "date '2026-03-21' + (g % 365)",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, %(n)s) AS g",
            {"n": OLD},
        )
        staff_array = "ARRAY[" + ",".join(str(pk) for pk in staff) + "]::bigint[]"
        outcome = (
            "CASE WHEN b.state = 'renewed' THEN 'renewed' WHEN b.id % 10 = 6 THEN "
            "'renewed_elsewhere' WHEN b.id % 10 = 7 THEN 'declined_price' ELSE '' END"
        )
        _insert(
            WorkItem,
            {
                "kind": "'renewal'",
                "book_policy_id": "b.id",
                "customer_id": "b.customer_id",
                "line_code": "b.line_code",
                "end_date": "b.end_date",
                "premium": "b.premium",
                "commission": "b.commission",
                "state": f"CASE WHEN ({outcome}) = '' THEN 'open' ELSE 'closed' END",
                "outcome": outcome,
                "assigned_to_user_id": f"({staff_array})[1 + (b.id / 10) % {STAFF}]",
                "assigned_on": "b.end_date - 25",
                "credited_user_id": "CASE WHEN b.state = 'renewed' THEN "
                f"({staff_array})[1 + (b.id / 10) % {STAFF}] END",
                "points": "CASE WHEN b.state = 'renewed' THEN 10 ELSE 0 END",
                "renewal_premium": "CASE WHEN b.state = 'renewed' THEN b.premium * 1.1 END",
                "closed_at": f"CASE WHEN ({outcome}) <> '' THEN "
                "(b.end_date - 5 + time '10:00') AT TIME ZONE 'Asia/Tehran' END",
                "created_on": "b.end_date - 25",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"{book} AS b WHERE b.origin = 'other'",
            {},
        )
        for table in (book, customer, WorkItem._meta.db_table):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"SELECT COUNT(*) FROM {book}")  # noqa: S608
        (policies,) = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {WorkItem._meta.db_table}")  # noqa: S608
        (items,) = cursor.fetchone()
    return {"policies": policies, "items": items, "seconds": time.monotonic() - started}


def _time(call: Callable[[], Any]) -> tuple[list[float], Any]:
    samples, result = [], None
    for _run in range(RUNS):
        started = time.monotonic()
        result = call()
        samples.append(time.monotonic() - started)
    return samples, result


def _staff_users(agency: Any) -> list[int]:
    from accounts.models import AgencyMembership, User

    users = []
    for n in range(STAFF):
        user = User.objects.create_user(
            f"0936{agency.code % 1000:03d}{n:04d}", first_name="کارمند", last_name=f"شماره {n + 1}"
        )
        AgencyMembership.objects.create(user=user, agency=agency, role="staff")
        users.append(user.pk)
    return users


def _member(agency: Any, user_id: int) -> Any:
    from accounts.models import AgencyMembership

    return AgencyMembership.objects.get(agency=agency, user_id=user_id)


def run(report: Report) -> None:
    from renewals.dashboard import renewal_figures
    from renewals.selectors.figures import (
        jalali_month,
        month_of,
        months_between,
        points_report,
        retention,
    )
    from renewals.services.clock import today
    from tenants.panel.dashboard import period_for

    warm_pool(1)
    agency = create_one()
    staff = _staff_users(agency)
    data = _fill(agency, staff)
    report.note(
        f"Data: {CUSTOMERS:,} customers in {REGIONS} regions, {data['policies']:,} book "
        f"policies and {data['items']:,} work items over {STAFF} staff members, generated "
        f"in SQL in {data['seconds']:.1f} s (untimed)."
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report.note(f"Load average before timing: {load:.1f} on {os.cpu_count()} CPUs (shared).")
    day = today()
    month = month_of(day)
    year = months_between(jalali_month(1405, 1), jalali_month(1405, 12))
    try:
        connection.set_tenant(agency)  # type: ignore[attr-defined]
        cases = [
            (f"Retention, this month ({month.label})", [month], None, MONTH_TARGET),
            ("Retention, the twelve months of 1405", year, None, YEAR_TARGET),
            ("Retention, this month, one staff member's own", [month], staff[0], MONTH_TARGET),
        ]
        for title, months, user_id, target in cases:
            samples, result = _time(
                lambda months=months, user_id=user_id: retention(
                    months=months, today=day, user_id=user_id
                )
            )
            p95 = percentile(samples, 0.95)
            report.add(
                f"{title}: {result.total.due:,} due, {result.total.renewed:,} renewed "
                f"(median / p95 of {RUNS})",
                f"{statistics.median(samples) * 1000:.0f} / {p95 * 1000:.0f} ms",
                target=f"≤ {target * 1000:.0f} ms",
                passed=p95 <= target,
            )
        samples, points = _time(lambda: points_report(first=month.first, last=month.last))
        p95 = percentile(samples, 0.95)
        report.add(
            f"Points and the day's premium, this month: {points.total.renewals:,} renewals, "
            f"{len(points.days)} days × {len(points.staff)} staff (median / p95)",
            f"{statistics.median(samples) * 1000:.0f} / {p95 * 1000:.0f} ms",
            target=f"≤ {MONTH_TARGET * 1000:.0f} ms",
            passed=p95 <= MONTH_TARGET,
        )
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        viewers = [("owner", None), ("one staff member's own", _member(agency, staff[0]))]
        for who, membership in viewers:
            samples, _items = _time(
                lambda membership=membership: renewal_figures(
                    agency, period_for("month"), membership
                )
            )
            p95 = percentile(samples, 0.95)
            report.add(
                f"Dashboard card and chart, this month, {who} (median / p95)",
                f"{statistics.median(samples) * 1000:.0f} / {p95 * 1000:.0f} ms",
                target=f"≤ {DASHBOARD_TARGET * 1000:.0f} ms",
                passed=p95 <= DASHBOARD_TARGET,
            )
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]

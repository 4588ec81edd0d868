"""Retention, points and the day's premium (S-7.6, decision 045) against a hand count.

The book below has 21 policies across two Jalali months (Farvardin and Ordibehesht 1405),
two lines, two regions (and one customer without one) and three staff members; each one's
fate is chosen by hand, and every group's figures were counted by hand into the literal
numbers the tests expect (amounts in millions of rials)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from core.digits import localize_digits
from crm.models import BookPolicy, Customer, Region
from policies.models import Line
from renewals import exports
from renewals.dashboard import renewal_figures
from renewals.models import WorkItem
from renewals.selectors.figures import (
    LINE,
    MONTH,
    REGION,
    STAFF,
    due_and_renewed_by_line,
    jalali_month,
    months_between,
    points_report,
    retention,
)
from tests.renewals.conftest import add_policy, add_staff, inside

pytestmark = pytest.mark.django_db

M = Decimal(1_000_000)
FARVARDIN = jalali_month(1405, 1)  # 2026-03-21 … 2026-04-20
ORDIBEHESHT = jalali_month(1405, 2)  # 2026-04-21 … 2026-05-21
# Ordibehesht 30th: policies expiring before May 18th are expired more than 48 hours.
TODAY = dt.date(2026, 5, 20)


def _policy(customer, line, end, premium, commission, **fields) -> BookPolicy:
    return BookPolicy.objects.create(
        customer=customer,
        origin="other",
        insurer_code="iran",
        line_code=line,
        start_date=end - dt.timedelta(days=365),
        end_date=end,
        premium=premium * M,
        commission=None if commission is None else commission * M,
        **fields,
    )


def _item(policy, *, kind="renewal", staff=None, outcome="", credited=None, **fields):
    closed = bool(outcome)
    return WorkItem.objects.create(
        kind=kind,
        book_policy=policy,
        customer=policy.customer,
        line_code=policy.line_code,
        end_date=policy.end_date,
        premium=policy.premium,
        commission=policy.commission,
        assigned_to_user_id=staff,
        assigned_on=TODAY - dt.timedelta(days=40) if staff else None,
        state="closed" if closed else "open",
        outcome=outcome,
        credited_user_id=credited,
        created_on=TODAY - dt.timedelta(days=40),
        **fields,
    )


def _renew(policy, new_premium, new_commission, staff=None, credited=None, kind="renewal"):
    new = _policy(
        policy.customer,
        policy.line_code,
        policy.end_date + dt.timedelta(days=365),
        new_premium,
        new_commission,
    )
    BookPolicy.objects.filter(pk=policy.pk).update(renewed_by=new, state="renewed")
    return _item(
        policy,
        kind=kind,
        staff=staff,
        outcome="renewed",
        credited=credited,
        new_book_policy=new,
        renewal_premium=new.premium,
    )


@pytest.fixture
def book(agency, sale_line):
    """The hand-counted book; returns the staff ids {"A", "B", "C"} and the regions."""
    Line.objects.create(code="crm_fire", number_code=98, name="آتش‌سوزی")
    a, b, c = add_staff(agency, 3)
    with inside(agency):
        r1 = Region.objects.create(name="منطقه یک")
        r2 = Region.objects.create(name="منطقه دو")

        def person(region):
            return Customer.objects.create(first_name="مشتری", last_name="دفتر", region=region)

        d = dt.date
        motor, fire = "crm_motor", "crm_fire"
        # Farvardin 1405: everything expired long ago.
        p1 = _policy(person(r1), motor, d(2026, 3, 25), 10, 1)
        _renew(p1, 12, Decimal("1.2"), staff=a, credited=a)
        p2 = _policy(person(r1), motor, d(2026, 3, 28), 20, 2)
        _renew(p2, 22, Decimal("2.2"), staff=a, credited=a)
        p3 = _policy(person(r2), motor, d(2026, 4, 1), 30, 3)
        _item(p3, staff=b, outcome="renewed_elsewhere", elsewhere_insurer="آسیا")
        p4 = _policy(person(r1), fire, d(2026, 4, 2), 40, 4)
        _renew(p4, 44, Decimal("4.4"), staff=b, credited=b)
        p5 = _policy(person(r2), fire, d(2026, 4, 5), 50, 5)
        _item(p5, staff=c, outcome="declined_price")
        p6 = _policy(person(r2), fire, d(2026, 4, 8), 60, 6)
        _item(p6, staff=c)  # never answered: lapsed
        _policy(person(r2), motor, d(2026, 4, 10), 70, 7)  # p7: no item at all, lapsed
        p8 = _policy(person(r1), motor, d(2026, 4, 12), 80, 8)
        _item(p8, staff=c, outcome="lapsed")  # the renewal item closed as lapsed…
        _renew(p8, 88, Decimal("8.8"), staff=a, credited=a, kind="lapsed")  # …A renewed it
        p9 = _policy(person(r1), fire, d(2026, 4, 15), 90, 9)
        _item(p9, staff=a, outcome="declined_sold")
        # Not due: cancelled before it expired.
        _policy(
            person(r1),
            motor,
            d(2026, 4, 18),
            1000,
            100,
            state="cancelled",
            state_changed_at=dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
        )
        # Ordibehesht 1405.
        p11 = _policy(person(r1), motor, d(2026, 4, 25), 15, Decimal("1.5"))
        _renew(p11, 18, Decimal("1.8"), staff=a, credited=a)
        p12 = _policy(person(r2), motor, d(2026, 5, 19), 25, Decimal("2.5"))
        _item(p12, staff=a)  # open: expires tomorrow's eve
        p13 = _policy(person(r2), fire, d(2026, 5, 1), 35, Decimal("3.5"))
        _renew(p13, 40, 4, staff=b, credited=None)  # credited to no one: its assignee
        p14 = _policy(person(r2), fire, d(2026, 5, 10), 45, Decimal("4.5"))
        _item(p14, staff=b)
        p15 = _policy(person(r2), motor, d(2026, 5, 5), 55, Decimal("5.5"))
        _item(p15, staff=c, outcome="renewed_elsewhere")
        p16 = _policy(person(r1), fire, d(2026, 5, 21), 65, Decimal("6.5"))
        _item(p16, staff=c)
        p17 = _policy(person(r1), motor, d(2026, 5, 12), 75, None)  # no commission recorded
        _renew(p17, 80, None, staff=c, credited=c)
        # Expired on the 18th: 48 hours not over on the 20th, still open; no item.
        _policy(person(None), fire, d(2026, 5, 18), 85, Decimal("8.5"))
        p19 = _policy(person(r1), motor, d(2026, 5, 17), 95, Decimal("9.5"))
        _item(p19, staff=b)
        # Renewed by state alone (the new policy not in the book).
        p20 = _policy(person(r1), fire, d(2026, 5, 3), 5, Decimal("0.5"), state="renewed")
        _item(p20, staff=a, outcome="renewed", credited=a)
        # Not due: Khordad 1405.
        p21 = _policy(person(r1), motor, d(2026, 5, 22), 500, 50)
        _renew(p21, 500, 50, staff=a, credited=a)
    return {"A": a, "B": b, "C": c, "r1": r1.pk, "r2": r2.pk}


FIELDS = (
    "due",
    "renewed",
    "elsewhere",
    "declined",
    "lapsed",
    "open",
    "due_premium",
    "renewed_premium",
    "new_premium",
    "due_commission",
    "renewed_commission",
    "new_commission",
    "rate_count",
    "rate_premium",
    "rate_commission",
)


def _expect(due, renewed, elsewhere, declined, lapsed, still_open, p, rp, np, c, rc, nc, rates):
    """A row as counted by hand (amounts in millions; rates as printed, in percent)."""
    amounts = [Decimal(str(x)) * M for x in (p, rp, np, c, rc, nc)]
    return (
        due,
        renewed,
        elsewhere,
        declined,
        lapsed,
        still_open,
        *amounts,
        *(None if r is None else Decimal(r) for r in rates),
    )


# Counted by hand from the book above.
TOTAL = _expect(
    19, 8, 2, 2, 4, 3, 950, 280, 304, "87.5", "20.5", "22.4", ("42.11", "29.47", "23.43")
)
BY_STAFF = {
    "A": _expect(7, 5, 0, 1, 0, 1, 245, 130, 140, "24.5", 13, 14, ("71.43", "53.06", "53.06")),
    "B": _expect(5, 2, 1, 0, 2, 0, 245, 75, 84, "24.5", "7.5", "8.4", ("40.00", "30.61", "30.61")),
    "C": _expect(5, 1, 1, 1, 1, 1, 305, 75, 80, 23, 0, 0, ("20.00", "24.59", "0.00")),
    None: _expect(2, 0, 0, 0, 1, 1, 155, 0, 0, "15.5", 0, 0, ("0.00", "0.00", "0.00")),
}
BY_LINE = {
    "crm_motor": _expect(
        10, 5, 2, 0, 2, 1, 475, 200, 220, 40, "12.5", 14, ("50.00", "42.11", "31.25")
    ),
    "crm_fire": _expect(
        9, 3, 0, 2, 2, 2, 475, 80, 84, "47.5", 8, "8.4", ("33.33", "16.84", "16.84")
    ),
}
BY_REGION = {
    "r1": _expect(10, 7, 0, 1, 1, 1, 495, 245, 264, 42, 17, "18.4", ("70.00", "49.49", "40.48")),
    "r2": _expect(8, 1, 2, 1, 3, 1, 370, 35, 40, 37, "3.5", 4, ("12.50", "9.46", "9.46")),
    None: _expect(1, 0, 0, 0, 0, 1, 85, 0, 0, "8.5", 0, 0, ("0.00", "0.00", "0.00")),
}
BY_MONTH = {
    "1405-01": _expect(
        9, 4, 1, 2, 2, 0, 450, 150, 166, 45, 15, "16.6", ("44.44", "33.33", "33.33")
    ),
    "1405-02": _expect(
        10, 4, 1, 0, 2, 3, 500, 130, 138, "42.5", "5.5", "5.8", ("40.00", "26.00", "12.94")
    ),
}


def _figures(row) -> tuple:
    return tuple(getattr(row, name) for name in FIELDS)


def _report(agency, **kwargs):
    with inside(agency):
        return retention(months=months_between(FARVARDIN, ORDIBEHESHT), today=TODAY, **kwargs)


def test_retention_matches_the_hand_count_in_every_grouping(agency, book):
    report = _report(agency)
    assert _figures(report.total) == TOTAL
    staff = {row.key: _figures(row) for row in report.groups[STAFF]}
    assert staff == {book[k] if k else None: v for k, v in BY_STAFF.items()}
    assert {row.key: _figures(row) for row in report.groups[LINE]} == BY_LINE
    regions = {row.key: _figures(row) for row in report.groups[REGION]}
    assert regions == {book[k] if k else None: v for k, v in BY_REGION.items()}
    assert {row.key: _figures(row) for row in report.groups[MONTH]} == BY_MONTH
    # Labels people read: names, never codes; the unassigned and region-less rows last.
    assert [row.label for row in report.groups[LINE]] == ["آتش‌سوزی", "بدنه خودرو"]
    assert [row.label for row in report.groups[REGION]] == ["منطقه دو", "منطقه یک", "بدون منطقه"]
    assert report.groups[STAFF][-1].label == "بدون کارمند"
    assert [row.label for row in report.groups[MONTH]] == ["فروردین ۱۴۰۵", "اردیبهشت ۱۴۰۵"]


def test_one_month_and_one_staff_member_are_parts_of_the_same_count(agency, book):
    with inside(agency):
        only = retention(months=[ORDIBEHESHT], today=TODAY)
    assert _figures(only.total) == BY_MONTH["1405-02"]
    mine = _report(agency, user_id=book["B"])
    assert _figures(mine.total) == BY_STAFF["B"]
    assert [row.key for row in mine.groups[STAFF]] == [book["B"]]


def test_retention_is_one_query_whatever_the_book(agency, book, django_assert_num_queries):
    months = months_between(FARVARDIN, ORDIBEHESHT)
    with inside(agency):
        retention(months=months, today=TODAY)  # the schema's search path set
        # Its memory setting and the figures, then the staff's, lines' and regions' names
        # (and the test's transaction's savepoint, taken and released).
        with django_assert_num_queries(7):
            retention(months=months, today=TODAY)


# The dashboard's figures: the line rows and the total alone -------------------------------


def _due_renewed(rows) -> dict:
    return {row.key: (row.due, row.renewed) for row in rows}


def test_the_dashboard_s_figures_are_retention_s_line_rows_and_total(agency, book):
    months = months_between(FARVARDIN, ORDIBEHESHT)
    for user_id in (None, book["A"], book["B"], book["C"]):
        with inside(agency):
            full = retention(months=months, today=TODAY, user_id=user_id)
            lines, total = due_and_renewed_by_line(months=months, user_id=user_id)
        assert {line.line_code: (line.due, line.renewed) for line in lines} == _due_renewed(
            full.groups[LINE]
        ), user_id
        assert (total.due, total.renewed) == (full.total.due, full.total.renewed), user_id
    # …and the hand count itself.
    with inside(agency):
        lines, total = due_and_renewed_by_line(months=months)
        _mine, b_total = due_and_renewed_by_line(months=months, user_id=book["B"])
    assert [(line.line_code, line.due, line.renewed) for line in lines] == [
        ("crm_motor", 10, 5),
        ("crm_fire", 9, 3),
    ]
    assert (total.due, total.renewed) == (19, 8)
    assert (b_total.due, b_total.renewed) == (5, 2)


def _membership(agency, user_id):
    from accounts.models import AgencyMembership

    return AgencyMembership.objects.get(agency=agency, user_id=user_id)


def test_the_dashboard_shows_retention_s_lines_for_the_owner_and_for_a_staff_member(
    agency, book, monkeypatch
):
    from tenants.panel.dashboard import period_for

    monkeypatch.setattr("renewals.dashboard.tehran_today", lambda: TODAY)  # Ordibehesht
    for user_id in (None, book["B"], book["C"]):
        membership = _membership(agency, user_id) if user_id else None
        card, chart = renewal_figures(agency, period_for("month"), membership)
        with inside(agency):
            full = retention(months=[ORDIBEHESHT], today=TODAY, user_id=user_id)
        rows = sorted(full.groups[LINE], key=lambda row: (-row.due, row.key))
        assert chart.labels == [row.label for row in rows], user_id
        assert chart.datasets[0]["data"] == [row.due for row in rows], user_id
        assert chart.datasets[1]["data"] == [row.renewed for row in rows], user_id
        renewed, due = (localize_digits(str(n)) for n in (full.total.renewed, full.total.due))
        assert f"{renewed} " in card.hint and f" {due} " in card.hint, user_id
    # The owner's Ordibehesht, counted by hand: fire 5 due (2 renewed), motor 5 (2).
    card, chart = renewal_figures(agency, period_for("month"))
    assert chart.labels == ["آتش‌سوزی", "بدنه خودرو"]
    assert chart.datasets[0]["data"] == [5, 5] and chart.datasets[1]["data"] == [2, 2]
    assert card.value in ("۴۰٪", "40%", "۴۰٫۰۰٪")


def test_the_dashboard_s_queries_do_not_grow_with_the_book(
    agency, book, monkeypatch, django_assert_num_queries
):
    from tenants.panel.dashboard import period_for

    monkeypatch.setattr("renewals.dashboard.tehran_today", lambda: TODAY)
    period = period_for("month")
    owner, member = None, _membership(agency, book["A"])
    renewal_figures(agency, period, owner)  # connection warmed
    # The schema's search path, the figures and the lines' names, for the owner and for a
    # staff member alike.
    with django_assert_num_queries(3):
        renewal_figures(agency, period, owner)
    with django_assert_num_queries(3):
        renewal_figures(agency, period, member)
    Line.objects.create(code="crm_travel", number_code=96, name="مسافرتی")
    with inside(agency):
        for n in range(6):
            policy = _policy(Customer.objects.first(), "crm_travel", dt.date(2026, 5, 2 + n), 10, 1)
            _item(policy, staff=book["A"])
    with django_assert_num_queries(3):
        _card, chart = renewal_figures(agency, period, owner)
    assert "مسافرتی" in chart.labels
    with django_assert_num_queries(3):
        _card, chart = renewal_figures(agency, period, member)
    assert chart.datasets[0]["data"][0] == 6  # the member's travel policies, most due


def test_the_excel_file_holds_the_same_figures(agency, book):
    report = _report(agency)
    workbook = load_workbook(io.BytesIO(exports.retention_xlsx(report)), read_only=True)
    assert workbook.sheetnames == ["کارمند", "رشته بیمه", "منطقه", "ماه"]

    def sheet(name):
        rows = list(workbook[name].values)
        return rows[0], {row[0]: row[1:] for row in rows[1:]}

    def as_file(expected):
        counts, amounts, rates = expected[:6], expected[6:12], expected[12:]
        rials = [int(a) for a in amounts]
        return (
            *counts,
            None if rates[0] is None else float(rates[0]),
            *rials[:3],
            float(rates[1]),
            *rials[3:],
            float(rates[2]),
        )

    header, lines = sheet("رشته بیمه")
    assert header[0] == "رشته بیمه" and "نرخ تمدید بر پایه تعداد (٪)" in header
    assert lines["بدنه خودرو"] == as_file(BY_LINE["crm_motor"])
    assert lines["آتش‌سوزی"] == as_file(BY_LINE["crm_fire"])
    assert lines["جمع"] == as_file(TOTAL)
    _header, months = sheet("ماه")
    assert months["فروردین ۱۴۰۵"] == as_file(BY_MONTH["1405-01"])
    assert months["اردیبهشت ۱۴۰۵"] == as_file(BY_MONTH["1405-02"])
    _header, regions = sheet("منطقه")
    assert regions["منطقه یک"] == as_file(BY_REGION["r1"])
    assert regions["بدون منطقه"] == as_file(BY_REGION[None])
    _header, staff = sheet("کارمند")
    assert staff["بدون کارمند"] == as_file(BY_STAFF[None])
    assert sorted(staff.values()) == sorted(as_file(v) for v in [*BY_STAFF.values(), TOTAL])


# Points and the day's premium ---------------------------------------------------------


def _tehran(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    from core.jalali import tehran

    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tehran())


def test_points_and_the_day_s_premium_per_staff_member(agency, sale_line):
    a, b = add_staff(agency, 2)
    d1, d2 = dt.date(2026, 5, 1), dt.date(2026, 5, 2)

    def renewed(staff, closed_at, points, premium, outcome="renewed", credited=True):
        policy = add_policy(agency, end_date=dt.date(2026, 5, 20))
        with inside(agency):
            _item(
                policy,
                staff=staff,
                outcome=outcome,
                credited=staff if credited else None,
                points=points,
                renewal_premium=premium * M if premium is not None else None,
                closed_at=closed_at,
            )

    renewed(a, _tehran(d1, 10), 10, 12)
    renewed(a, _tehran(d1, 23, 30), 10, 22)  # 20:00 UTC, still the 1st in Tehran
    renewed(a, _tehran(d2, 0, 30), 10, 5)  # 21:00 UTC of the 1st: the 2nd in Tehran
    renewed(b, _tehran(d1, 16), 15, 40)
    renewed(b, _tehran(d2, 9), 15, None)  # premium unknown: counts, adds nothing
    renewed(b, _tehran(d2, 11), 0, 99, outcome="declined_price")  # not a renewal
    renewed(a, _tehran(d2, 12), 0, 77, credited=False)  # credited to no one
    renewed(a, _tehran(dt.date(2026, 5, 3), 8), 10, 1000)  # outside the period

    with inside(agency):
        report = points_report(first=d1, last=d2)
    assert [(s.user_id, s.renewals, s.points, s.premium) for s in report.staff] == [
        (b, 2, 30, 40 * M),
        (a, 3, 30, 39 * M),
    ]
    assert report.total.points == 60 and report.total.premium == 79 * M
    by_day = {
        day: [(cell.renewals, cell.points, cell.premium) if cell else None for cell in cells]
        for day, cells, _total in report.days
    }
    assert by_day == {
        d1: [(1, 15, 40 * M), (2, 20, 34 * M)],
        d2: [(1, 15, Decimal(0)), (1, 10, 5 * M)],
    }
    assert [(day, total) for day, _cells, total in report.days] == [(d1, 74 * M), (d2, 5 * M)]
    with inside(agency):
        mine = points_report(first=d1, last=d2, user_id=a)
    assert [(s.user_id, s.points) for s in mine.staff] == [(a, 30)]
    assert [(day, [cell.premium for cell in cells]) for day, cells, _total in mine.days] == [
        (d1, [34 * M]),
        (d2, [5 * M]),
    ]
    workbook = load_workbook(io.BytesIO(exports.points_xlsx(report)), read_only=True)
    points = list(workbook["امتیاز"].values)
    assert points[1][1:] == (2, 30, 40_000_000)
    assert points[-1][1:] == (5, 60, 79_000_000)
    daily = list(workbook["حق بیمه روزانه"].values)
    assert daily[1] == ("1405/02/11", 40_000_000, 34_000_000, 74_000_000)
    assert daily[2] == ("1405/02/12", 0, 5_000_000, 5_000_000)

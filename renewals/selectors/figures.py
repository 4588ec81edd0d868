"""Retention, points and the day's premium (S-7.6, seed 004; decision 045).

Retention of a period (whole Jalali months) is read in ONE set-based statement whatever the
size of the book: the policies due in the period, each with its fate, grouped by staff
member, line, region and Jalali month at once (``GROUPING SETS``) plus the total. Points and
the day's premium per staff member are one more statement over the renewed work items.

A policy is *due* in a period when its expiry date falls in it and it was not cancelled on
or before that date. Its fate is exactly one of (in this order):

- ``renewed``: renewed in the book (``renewed_by`` set, or state renewed);
- ``elsewhere``: one of its renewal or lapsed items closed "renewed elsewhere";
- ``declined``: one of its items closed declined (price, or sold the vehicle);
- ``lapsed``: none of these, and expired more than 48 hours ago (its expiry day ended and
  two more days passed: ``end_date < today − 2``);
- ``open``: none of these yet, and still within 48 hours of expiry or before it.

The new premium (and commission) of a renewal is the new policy's in the book, else the one
its renewed work item recorded.

The staff member of a policy is the one credited with its renewal, else the one its item is
with (its lapsed item before its renewal item); a policy without an item, or whose items
were never given out, is "not assigned".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jdatetime
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from core.digits import localize_digits
from core.jalali import jalali_month_name, tehran
from crm.models import BookPolicy, Customer, Region
from crm.selectors.names import line_names, user_names
from renewals.models import Kind, WorkItem
from renewals.services.clock import today as tehran_today

STAFF = "staff"
LINE = "line"
REGION = "region"
MONTH = "month"
GROUPS = (STAFF, LINE, REGION, MONTH)
# GROUPING(staff_id, line_code, region_id, month): a bit set for each column NOT grouped.
_GROUPING_BITS = {STAFF: 0b0111, LINE: 0b1011, REGION: 0b1101, MONTH: 0b1110}
_TOTAL_BITS = 0b1111

FATES = ("renewed", "elsewhere", "declined", "lapsed", "open")
HUNDRED = Decimal(100)
# Memory for the retention statement's sorts and hashes (per sort, its transaction only).
WORK_MEM_MB = 64
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Month:
    """A Jalali month: its number in the period (0…), Jalali year and month, Gregorian
    first and last days."""

    index: int
    year: int
    month: int
    first: dt.date
    last: dt.date

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return localize_digits(f"{jalali_month_name(self.month)} {self.year}")


def jalali_month(year: int, month: int, index: int = 0) -> Month:
    first = jdatetime.date(year, month, 1).togregorian()
    following = jdatetime.date(year + month // 12, month % 12 + 1, 1).togregorian()
    return Month(index, year, month, first, following - dt.timedelta(days=1))


def month_of(day: dt.date) -> Month:
    jalali = jdatetime.date.fromgregorian(date=day)
    return jalali_month(jalali.year, jalali.month)


def months_between(start: Month, end: Month) -> list[Month]:
    """Every Jalali month from ``start`` to ``end`` (both included), numbered from 0."""
    months: list[Month] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(jalali_month(year, month, len(months)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` as a percentage with two decimals; None when ``whole`` is nothing."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT)


@dataclass
class RetentionRow:
    """One group's figures (or the total's)."""

    key: Any
    label: str
    due: int = 0
    renewed: int = 0
    elsewhere: int = 0
    declined: int = 0
    lapsed: int = 0
    open: int = 0
    due_premium: Decimal = Decimal(0)
    renewed_premium: Decimal = Decimal(0)
    new_premium: Decimal = Decimal(0)
    due_commission: Decimal = Decimal(0)
    renewed_commission: Decimal = Decimal(0)
    new_commission: Decimal = Decimal(0)

    @property
    def rate_count(self) -> Decimal | None:
        return rate(self.renewed, self.due)

    @property
    def rate_premium(self) -> Decimal | None:
        return rate(self.renewed_premium, self.due_premium)

    @property
    def rate_commission(self) -> Decimal | None:
        return rate(self.renewed_commission, self.due_commission)


@dataclass
class Retention:
    """A period's retention: the rows of each grouping (in display order) and the total."""

    months: list[Month]
    today: dt.date
    groups: dict[str, list[RetentionRow]] = field(default_factory=dict)
    total: RetentionRow = field(default_factory=lambda: RetentionRow(None, ""))

    @property
    def first(self) -> dt.date:
        return self.months[0].first

    @property
    def last(self) -> dt.date:
        return self.months[-1].last


_RETENTION_SQL = """
WITH due AS (
    -- Read from the index crm_book_expiry_covering alone (its included columns).
    SELECT b.id, b.line_code, {region} AS region_id, b.end_date,
           COALESCE(b.premium, 0) AS premium, COALESCE(b.commission, 0) AS commission,
           (b.renewed_by_id IS NOT NULL OR b.state = 'renewed') AS renewed,
           b.renewed_by_id
    FROM {book} AS b
    {customer_join}
    WHERE b.state = ANY(%s) AND b.end_date BETWEEN %s AND %s
      AND NOT (b.state = 'cancelled' AND (b.state_changed_at IS NULL
               OR (b.state_changed_at AT TIME ZONE %s)::date <= b.end_date))
),
renewals AS (
    -- The new policies of the due ones renewed in the book: a few index reads each, never
    -- the whole book.
    SELECT r.id, n.premium, n.commission
    FROM {book} AS r
    JOIN {book} AS n ON n.id = r.renewed_by_id
    WHERE r.renewed_by_id IS NOT NULL AND r.end_date BETWEEN %s AND %s
),
items AS (
    -- The items carry their policy's expiry date (decision 041): read by its index.
    SELECT w.book_policy_id,
           bool_or(w.outcome = 'renewed_elsewhere') AS elsewhere,
           bool_or(w.outcome IN ('declined_price', 'declined_sold')) AS declined,
           MAX(w.renewal_premium) FILTER (WHERE w.outcome = 'renewed') AS item_new_premium,
           MAX(w.renewal_commission) FILTER (WHERE w.outcome = 'renewed') AS item_new_commission,
           (array_agg(COALESCE(w.credited_user_id, w.assigned_to_user_id)
                      ORDER BY w.credited_user_id IS NULL,
                               COALESCE(w.credited_user_id, w.assigned_to_user_id) IS NULL,
                               w.kind = 'lapsed' DESC, w.id DESC))[1] AS staff_id
    FROM {item} AS w
    WHERE w.kind IN ('renewal', 'lapsed') AND w.end_date BETWEEN %s AND %s
    GROUP BY w.book_policy_id
),
fated AS (
    SELECT d.id, d.line_code, d.region_id, d.premium, d.commission, i.staff_id,
           m.idx AS month,
           n.premium AS book_new_premium, n.commission AS book_new_commission,
           i.item_new_premium, i.item_new_commission,
           CASE WHEN d.renewed THEN 'renewed'
                WHEN i.elsewhere THEN 'elsewhere'
                WHEN i.declined THEN 'declined'
                WHEN d.end_date < %s THEN 'lapsed'
                ELSE 'open' END AS fate
    FROM due AS d
    LEFT JOIN items AS i ON i.book_policy_id = d.id
    LEFT JOIN renewals AS n ON n.id = d.id
    JOIN (VALUES {months}) AS m (idx, first_day, last_day)
      ON d.end_date BETWEEN m.first_day AND m.last_day
    {only}
),
priced AS (
    SELECT line_code, region_id, staff_id, month, fate, premium, commission,
           COALESCE(book_new_premium, item_new_premium, 0) AS new_premium,
           COALESCE(book_new_commission, item_new_commission, 0) AS new_commission
    FROM fated
)
SELECT {grouped},
       {columns},
       COUNT(*) AS due,
       COUNT(*) FILTER (WHERE fate = 'renewed') AS renewed,
       COUNT(*) FILTER (WHERE fate = 'elsewhere') AS elsewhere,
       COUNT(*) FILTER (WHERE fate = 'declined') AS declined,
       COUNT(*) FILTER (WHERE fate = 'lapsed') AS lapsed,
       COUNT(*) FILTER (WHERE fate = 'open') AS open,
       SUM(premium) AS due_premium,
       COALESCE(SUM(premium) FILTER (WHERE fate = 'renewed'), 0) AS renewed_premium,
       COALESCE(SUM(new_premium) FILTER (WHERE fate = 'renewed'), 0) AS new_premium,
       SUM(commission) AS due_commission,
       COALESCE(SUM(commission) FILTER (WHERE fate = 'renewed'), 0) AS renewed_commission,
       COALESCE(SUM(new_commission) FILTER (WHERE fate = 'renewed'), 0) AS new_commission
FROM priced
GROUP BY GROUPING SETS ({sets}())
"""

# The statement's column of each grouping.
_GROUP_COLUMNS = {STAFF: "staff_id", LINE: "line_code", REGION: "region_id", MONTH: "month"}
_NULL_COLUMNS = {
    STAFF: "NULL::bigint",
    LINE: "NULL::varchar",
    REGION: "NULL::bigint",
    MONTH: "NULL::integer",
}

_FIGURES = (
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
)


def lapse_before(today: dt.date) -> dt.date:
    """Policies expiring before this day have been expired more than 48 hours on ``today``
    (the expiry day ends at midnight; two full days later they lapse)."""
    return today - dt.timedelta(days=2)


def retention_raw(
    *,
    months: list[Month],
    today: dt.date,
    user_id: int | None = None,
    groups: Iterable[str] = GROUPS,
) -> list[tuple[Any, ...]]:
    """The statement's rows (bits, staff, line, region, month, figures…) of ``groups`` and
    the total: one query. A grouping not asked for is not computed (the customers, read
    only for their region, are not joined without it); its column is NULL and its bit set,
    so the rows read as those of every grouping do."""
    first, last = months[0].first, months[-1].last
    wanted = [group for group in GROUPS if group in set(groups)]
    values = ", ".join("(%s, %s::date, %s::date)" for _month in months)
    # GROUPING's bits (staff, line, region, month from the highest): 1 for a column not
    # grouped by the row, always 1 for a grouping not asked for.
    bits = " + ".join(
        f"GROUPING({_GROUP_COLUMNS[group]}) * {1 << (3 - GROUPS.index(group))}"
        if group in wanted
        else str(1 << (3 - GROUPS.index(group)))
        for group in GROUPS
    )
    sql = _RETENTION_SQL.format(
        book=BookPolicy._meta.db_table,
        item=WorkItem._meta.db_table,
        region="c.region_id" if REGION in wanted else "NULL::bigint",
        customer_join=(
            f"JOIN {Customer._meta.db_table} AS c ON c.id = b.customer_id"
            if REGION in wanted
            else ""
        ),
        months=values,
        only="WHERE i.staff_id = %s" if user_id is not None else "",
        grouped=f"({bits}) AS bits",
        columns=", ".join(
            _GROUP_COLUMNS[group] if group in wanted else _NULL_COLUMNS[group] for group in GROUPS
        ),
        sets="".join(f"({_GROUP_COLUMNS[group]}), " for group in wanted),
    )
    params: list[Any] = [
        [state for state, _label in BookPolicy.State.choices],
        first,
        last,
        str(tehran()),
        first,
        last,
        first,
        last,
        lapse_before(today),
    ]
    for month in months:
        params += [month.index, month.first, month.last]
    if user_id is not None:
        params.append(user_id)
    with transaction.atomic(), connection.cursor() as cursor:
        # The items' grouping sorts a year's items: in memory, this statement only.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM_MB}MB'")
        cursor.execute(sql, params)
        return cursor.fetchall()


# The dashboard's figures (due and renewed, per line and in all) ---------------------------

# The same policies due and the same "renewed" as ``_RETENTION_SQL``, nothing else: no
# customer (region), no items unless a staff member's own are asked for, no new policy, no
# month list (the period's months cover first … last), one grouping and the total.
_DUE_BY_LINE_SQL = """
SELECT GROUPING(b.line_code) AS bits, b.line_code,
       COUNT(*) AS due,
       COUNT(*) FILTER (WHERE b.renewed_by_id IS NOT NULL OR b.state = 'renewed') AS renewed
FROM {book} AS b
{mine}
WHERE b.state = ANY(%s) AND b.end_date BETWEEN %s AND %s
  AND NOT (b.state = 'cancelled' AND (b.state_changed_at IS NULL
           OR (b.state_changed_at AT TIME ZONE %s)::date <= b.end_date))
GROUP BY GROUPING SETS ((b.line_code), ())
"""

# A staff member's own: the policies whose staff member (as ``items`` in ``_RETENTION_SQL``
# picks it, over all their items of the period) is them. Only policies with an item of the
# period credited to or held by them can be theirs, so only those policies' items are read.
_MINE_SQL = """
JOIN (
    SELECT w.book_policy_id,
           (array_agg(COALESCE(w.credited_user_id, w.assigned_to_user_id)
                      ORDER BY w.credited_user_id IS NULL,
                               COALESCE(w.credited_user_id, w.assigned_to_user_id) IS NULL,
                               w.kind = 'lapsed' DESC, w.id DESC))[1] AS staff_id
    FROM {item} AS w
    WHERE w.kind IN ('renewal', 'lapsed') AND w.end_date BETWEEN %s AND %s
      AND w.book_policy_id IN (
          SELECT o.book_policy_id FROM {item} AS o
          WHERE o.kind IN ('renewal', 'lapsed') AND o.end_date BETWEEN %s AND %s
            AND (o.credited_user_id = %s OR o.assigned_to_user_id = %s))
    GROUP BY w.book_policy_id
) AS i ON i.book_policy_id = b.id AND i.staff_id = %s
"""


@dataclass(frozen=True)
class LineCount:
    """Policies due and renewed in a line (``line_code`` None: every line)."""

    line_code: str | None
    due: int
    renewed: int


def due_and_renewed_by_line(
    *, months: list[Month], user_id: int | None = None
) -> tuple[list[LineCount], LineCount]:
    """The ``due`` and ``renewed`` of :func:`retention`'s line rows and total (same
    definitions; neither depends on the day, only lapsed against open does), read alone for
    the dashboard: the lines (most due first) and the total. One query."""
    first, last = months[0].first, months[-1].last
    params: list[Any] = []
    mine = ""
    if user_id is not None:
        mine = _MINE_SQL.format(item=WorkItem._meta.db_table)
        params += [first, last, first, last, user_id, user_id, user_id]
    sql = _DUE_BY_LINE_SQL.format(book=BookPolicy._meta.db_table, mine=mine)
    params += [[state for state, _label in BookPolicy.State.choices], first, last, str(tehran())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    total = LineCount(None, 0, 0)
    lines: list[LineCount] = []
    for bits, line_code, due, renewed in rows:
        if bits:
            total = LineCount(None, int(due), int(renewed))
        else:
            lines.append(LineCount(line_code, int(due), int(renewed)))
    lines.sort(key=lambda line: (-line.due, line.line_code or ""))
    return lines, total


def _region_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return {}
    return dict(Region.objects.filter(pk__in=wanted).values_list("pk", "name"))


def retention(
    *,
    months: list[Month],
    today: dt.date | None = None,
    user_id: int | None = None,
    groups: Iterable[str] = GROUPS,
) -> Retention:
    """The retention of ``months`` (in the agency's schema), the rows of ``groups`` (every
    grouping unless told) and the total; ``user_id`` keeps only that staff member's
    policies. Five queries whatever the book: its memory setting and the figures, then the
    names of the staff, lines and regions shown."""
    today = today or tehran_today()
    raw = retention_raw(months=months, today=today, user_id=user_id, groups=groups)
    by_group: dict[str, list[tuple[Any, RetentionRow]]] = {group: [] for group in GROUPS}
    result = Retention(months=months, today=today)
    staff = user_names(row[1] for row in raw if row[0] == _GROUPING_BITS[STAFF])
    lines = line_names(row[2] for row in raw if row[0] == _GROUPING_BITS[LINE])
    regions = _region_names(row[3] for row in raw if row[0] == _GROUPING_BITS[REGION])
    for bits, staff_id, line_code, region_id, month, *figures in raw:
        values = dict(zip(_FIGURES, figures, strict=True))
        values = {
            name: (int(value) if name in FATES or name == "due" else Decimal(value or 0))
            for name, value in values.items()
        }
        if bits == _TOTAL_BITS:
            result.total = RetentionRow(None, _("Total"), **values)
            continue
        if bits == _GROUPING_BITS[STAFF]:
            key, label = staff_id, staff.get(staff_id) if staff_id else _("Not assigned")
            order: Any = (staff_id is None, label or "")
            label = label or _("Member %(id)s") % {"id": staff_id}
            group = STAFF
        elif bits == _GROUPING_BITS[LINE]:
            key, label = line_code, lines.get(line_code) or line_code
            order, group = (label,), LINE
        elif bits == _GROUPING_BITS[REGION]:
            key, label = region_id, regions.get(region_id) if region_id else _("No region")
            order = (region_id is None, label or "")
            label = label or _("No region")
            group = REGION
        else:
            key, label = months[month].key, months[month].label
            order, group = (month,), MONTH
        by_group[group].append((order, RetentionRow(key, str(label), **values)))
    for group, rows in by_group.items():
        result.groups[group] = [row for _order, row in sorted(rows, key=lambda pair: pair[0])]
    if not result.total.label:
        result.total = RetentionRow(None, _("Total"))
    return result


# Points and the day's premium ------------------------------------------------------------


@dataclass
class StaffTotal:
    user_id: int
    name: str
    renewals: int = 0
    points: int = 0
    premium: Decimal = Decimal(0)


@dataclass
class DayCell:
    renewals: int = 0
    points: int = 0
    premium: Decimal = Decimal(0)


@dataclass
class PointsReport:
    """Renewals credited to each staff member in a period: their totals, and per Tehran day
    (only days with a renewal) a cell per staff member (None: nothing that day) and the
    day's total premium."""

    first: dt.date
    last: dt.date
    staff: list[StaffTotal]
    days: list[tuple[dt.date, list[DayCell | None], Decimal]]

    @property
    def total(self) -> StaffTotal:
        return StaffTotal(
            0,
            _("Total"),
            renewals=sum(s.renewals for s in self.staff),
            points=sum(s.points for s in self.staff),
            premium=sum((s.premium for s in self.staff), Decimal(0)),
        )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


def points_report(*, first: dt.date, last: dt.date, user_id: int | None = None) -> PointsReport:
    """Points and the day's premium of the items closed renewed from ``first`` to ``last``
    (Tehran days, both included), per credited staff member: two queries (the figures, the
    names)."""
    items = WorkItem.objects.filter(
        outcome=WorkItem.Outcome.RENEWED,
        credited_user_id__isnull=False,
        closed_at__gte=_midnight(first),
        closed_at__lt=_midnight(last + dt.timedelta(days=1)),
        kind__in=(Kind.RENEWAL, Kind.LAPSED),
    )
    if user_id is not None:
        items = items.filter(credited_user_id=user_id)
    rows = list(
        items.annotate(day=TruncDate("closed_at", tzinfo=tehran()))
        .order_by()
        .values_list("day", "credited_user_id")
        .annotate(n=Count("id"), points=Sum("points"), premium=Sum("renewal_premium"))
        .values_list("day", "credited_user_id", "n", "points", "premium")
    )
    names = user_names(row[1] for row in rows)
    totals: dict[int, StaffTotal] = {}
    cells: dict[tuple[dt.date, int], DayCell] = {}
    for day, credited, count, points, premium in rows:
        staff_id = int(credited or 0)
        total = totals.setdefault(
            staff_id,
            StaffTotal(staff_id, names.get(staff_id) or _("Member %(id)s") % {"id": staff_id}),
        )
        cell = DayCell(renewals=count, points=points or 0, premium=premium or Decimal(0))
        total.renewals += cell.renewals
        total.points += cell.points
        total.premium += cell.premium
        cells[(day, staff_id)] = cell
    staff = sorted(totals.values(), key=lambda s: (-s.points, -s.premium, s.name))
    day_totals: dict[dt.date, Decimal] = {}
    for (day, _staff_id), cell in cells.items():
        day_totals[day] = day_totals.get(day, Decimal(0)) + cell.premium
    return PointsReport(
        first=first,
        last=last,
        staff=staff,
        days=[
            (day, [cells.get((day, s.user_id)) for s in staff], day_totals[day])
            for day in sorted(day_totals)
        ],
    )

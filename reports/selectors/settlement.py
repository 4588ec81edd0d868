"""Where the network's online payments stand with the core issuing system: per business
day and per agency, batches by state, items by what the core system said of them,
differences found, and issued policies no batch has taken yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncDate

from core.db import read_alias
from core.jalali import tehran
from policies.models import Payment, Policy
from reports.models import SettlementDay
from reports.periods import DateRange
from reports.selectors.shared import AgencyRef, agency_fields, agency_from, grouped
from reports.summaries import Days, split_period
from settlement.models import SettlementBatch, SettlementItem, SettlementMismatch
from settlement.selectors import item_confirmed, item_differs, item_missing
from tenants.models import Agency

ZERO = Decimal(0)
# An item of a batch that left the open state has been in an export file.
_EXPORTED = ~Q(batch__state=SettlementBatch.State.OPEN)


@dataclass
class SettlementFigures:
    """One row of the report: a business day, an agency (``None``: the virtual branch's own
    sales), or the total. Counts and rial amounts only, so rows add up."""

    batches_open: int = 0
    batches_exported: int = 0
    batches_confirmed: int = 0
    batches_discrepant: int = 0
    items: int = 0
    items_amount: Decimal = ZERO
    exported_items: int = 0
    exported_amount: Decimal = ZERO
    confirmed_items: int = 0
    confirmed_amount: Decimal = ZERO
    differing_items: int = 0
    differing_amount: Decimal = ZERO
    missing_items: int = 0
    missing_amount: Decimal = ZERO
    mismatches: int = 0
    unsettled_policies: int = 0
    unsettled_amount: Decimal = ZERO
    day: dt.date | None = None
    agency: AgencyRef | None = None
    # Differences of lines the core system confirmed but no export had: no agency to blame.
    unattributed: bool = False

    def take_more(self, row: dict[str, Any]) -> None:
        """Add a row's figures (a day's summary, then its live part) to these."""
        for name in _FIGURES:
            if name in row and row[name] is not None:
                setattr(self, name, getattr(self, name) + row[name])

    def add(self, other: SettlementFigures) -> None:
        for name in _FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_FIGURES = tuple(
    item.name
    for item in fields(SettlementFigures)
    if item.name not in ("day", "agency", "unattributed")
)


@dataclass(frozen=True)
class SettlementReport:
    period: DateRange
    by_day: list[SettlementFigures]
    by_agency: list[SettlementFigures]
    total: SettlementFigures = field(default_factory=SettlementFigures)


def _batch_figures() -> dict[str, Any]:
    states = SettlementBatch.State
    return {
        f"batches_{state}": Count("id", filter=Q(state=state))
        for state in (states.OPEN, states.EXPORTED, states.CONFIRMED, states.DISCREPANT)
    }


def _item_figures() -> dict[str, Any]:
    figures: dict[str, Any] = {
        "items": Count("id"),
        "items_amount": Sum("amount"),
        "exported_items": Count("id", filter=_EXPORTED),
        "exported_amount": Sum("amount", filter=_EXPORTED),
    }
    # What the latest confirmation of each item's export said of it.
    for name, said in (
        ("confirmed", item_confirmed()),
        ("differing", item_differs()),
        ("missing", item_missing()),
    ):
        figures[f"{name}_items"] = Count("id", filter=said)
        figures[f"{name}_amount"] = Sum("amount", filter=said)
    return figures


def _unsettled_policies(days: Days) -> QuerySet[Policy]:
    """Issued policies whose verified payment is in no batch yet, started from the days'
    policies (``policy_issued_cover`` holds what the check needs)."""
    unbatched_payment = Payment.objects.filter(
        order_id=OuterRef("order_id"),
        state=Payment.State.SUCCEEDED,
        settlement_item__isnull=True,
    )
    return Policy.objects.filter(days.at("issued_at"), Exists(unbatched_payment)).order_by()


_UNSETTLED = {"unsettled_policies": Count("id"), "unsettled_amount": Sum("premium")}


@dataclass(frozen=True)
class _Sources:
    """What the report counts, on some days: batches and their items by business day,
    the standing differences by their export's day, unsettled policies by issue day."""

    batches: QuerySet[SettlementBatch]
    items: QuerySet[SettlementItem]
    # Annotated (``unattributed``, ``day``): typed loosely for the stubs.
    mismatches: Any
    unsettled: Any

    @classmethod
    def on(cls, days: Days) -> _Sources:
        return cls(
            batches=SettlementBatch.objects.filter(days.on("day")).order_by(),
            items=SettlementItem.objects.filter(days.on("batch__day")).order_by(),
            mismatches=SettlementMismatch.objects.filter(
                days.on("confirmation__export__day"),
                confirmation__export__confirmation=F("confirmation"),
            )
            .annotate(
                unattributed=ExpressionWrapper(Q(item__isnull=True), output_field=BooleanField())
            )
            .order_by(),
            unsettled=_unsettled_policies(days).annotate(
                day=TruncDate("issued_at", tzinfo=tehran())
            ),
        )


_Key = tuple[dt.date, int | None, bool]


def _rows_by_day_and_agency(
    days: Days,
) -> dict[_Key, tuple[AgencyRef | None, SettlementFigures]]:
    """The report's figures on ``days`` per day and agency (and ``unattributed``): four
    queries, each grouped by both."""
    sources = _Sources.on(days)
    rows: dict[_Key, tuple[AgencyRef | None, SettlementFigures]] = {}

    def add(day: dt.date, values: dict[str, Any], prefix: str, unattributed: bool = False):
        agency = agency_from(values, prefix)
        key = (day, agency.id if agency else None, unattributed)
        if key not in rows:
            rows[key] = (agency, SettlementFigures(day=day, unattributed=unattributed))
        rows[key][1].take_more(values)

    for values in grouped(
        sources.batches.values("day", *agency_fields("agency__")).annotate(**_batch_figures())
    ):
        add(values["day"], values, "agency__")
    for values in grouped(
        sources.items.values("batch__day", *agency_fields("batch__agency__")).annotate(
            **_item_figures()
        )
    ):
        add(values["batch__day"], values, "batch__agency__")
    for values in grouped(
        sources.mismatches.values(
            "confirmation__export__day", *agency_fields("item__batch__agency__"), "unattributed"
        ).annotate(mismatches=Count("id"))
    ):
        add(
            values["confirmation__export__day"],
            values,
            "item__batch__agency__",
            values["unattributed"],
        )
    for values in grouped(
        sources.unsettled.values("day", *agency_fields("agency__")).annotate(**_UNSETTLED)
    ):
        add(values["day"], values, "agency__")
    return rows


def settlement_rows_by_day_and_agency(days: Days) -> list[SettlementDay]:
    """The summary rows of ``days`` (the roll-up): the live figures per day and agency."""
    return [
        SettlementDay(
            day=day,
            agency_id=agency_id,
            unattributed=unattributed,
            **{name: getattr(figures, name) for name in _FIGURES},
        )
        for (day, agency_id, unattributed), (_agency, figures) in _rows_by_day_and_agency(
            days
        ).items()
    ]


# The summarised days' figures per day and per agency in one pass, on ids, then named.
_SUMMARY_SQL = """
WITH totals AS (
    SELECT GROUPING(s.day) AS no_day, s.day, s.agency_id, s.unattributed, {sums}
    FROM {summary} s WHERE {days}
    GROUP BY GROUPING SETS ((s.day), (s.agency_id, s.unattributed))
)
SELECT t.*, a.code, a.name, a.kind, a.province
FROM totals t LEFT JOIN {agency} a ON a.id = t.agency_id AND t.no_day = 1
"""


def _summarised(days: Days) -> list[dict[str, Any]]:
    if not days:
        return []
    where, params = days.sql_on("s.day")
    sql = _SUMMARY_SQL.format(
        sums=", ".join(f"sum(s.{name}) AS {name}" for name in _FIGURES),
        summary=SettlementDay._meta.db_table,
        agency=Agency._meta.db_table,
        days=where,
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def settlement_report(*, period: DateRange, live: bool = False) -> SettlementReport:
    """Batches of the business days in ``period`` and their items; differences of the
    confirmations of those days' exports; policies issued in ``period`` (Tehran days) not
    yet in a batch. Per day (days with something to show) and per agency.

    Summarised days are read from ``SettlementDay`` (one statement), the others live (four
    queries, per day and agency, added up here); ``live=True`` reads every day live, as
    the summaries are checked against (decision 060)."""
    if live:
        summarised, open_days = Days(), Days.of(period.days())
    else:
        summarised, open_days = split_period(period)

    days: dict[dt.date, SettlementFigures] = {}
    agencies: dict[tuple[int | None, bool], SettlementFigures] = {}

    def on_day(day: dt.date) -> SettlementFigures:
        return days.setdefault(day, SettlementFigures(day=day))

    def of_agency(agency: AgencyRef | None, unattributed: bool) -> SettlementFigures:
        key = (agency.id if agency else None, unattributed)
        return agencies.setdefault(key, SettlementFigures(agency=agency, unattributed=unattributed))

    # The summary's groups come first and once each: they make the rows, the live part adds.
    for row in _summarised(summarised):
        summed = {name: row[name] for name in _FIGURES}
        if not row["no_day"]:
            days[row["day"]] = SettlementFigures(day=row["day"], **summed)
            continue
        agency = (
            AgencyRef(
                id=row["agency_id"],
                code=row["code"],
                name=row["name"],
                kind=row["kind"],
                province=row["province"],
            )
            if row["agency_id"] is not None
            else None
        )
        unattributed = row["unattributed"]
        agencies[(row["agency_id"], unattributed)] = SettlementFigures(
            agency=agency, unattributed=unattributed, **summed
        )
    for (day, _agency_id, unattributed), (agency, figures) in _rows_by_day_and_agency(
        open_days
    ).items():
        on_day(day).add(figures)
        of_agency(agency, unattributed).add(figures)

    total = SettlementFigures()
    for figures in days.values():
        total.add(figures)
    by_agency = sorted(
        agencies.values(),
        key=lambda row: (row.unattributed, row.agency.code if row.agency else -1),
    )
    return SettlementReport(
        period=period,
        by_day=[days[day] for day in sorted(days)],
        by_agency=by_agency,
        total=total,
    )

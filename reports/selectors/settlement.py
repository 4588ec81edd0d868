"""Where the network's online payments stand with the core issuing system: per business
day and per agency, batches by state, items by what the core system said of them,
differences found, and issued policies no batch has taken yet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

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

from core.jalali import tehran
from policies.models import Payment, Policy
from reports.models import SettlementDay
from reports.periods import DateRange
from reports.selectors.shared import AgencyRef, agency_fields, agency_from, grouped
from reports.summaries import Days, split_period
from settlement.models import SettlementBatch, SettlementItem, SettlementMismatch
from settlement.selectors import item_confirmed, item_differs, item_missing

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

    def take(self, row: dict[str, Any]) -> None:
        for name in _FIGURES:
            if name in row:
                setattr(self, name, row[name] if row[name] is not None else ZERO)

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


def settlement_rows_by_day_and_agency(days: Days) -> list[SettlementDay]:
    """The report's figures on ``days`` per day and agency, as summary rows (the roll-up:
    the same four queries the live report makes, grouped by both)."""
    sources = _Sources.on(days)
    rows: dict[tuple[dt.date, int | None, bool], SettlementDay] = {}

    def row(day: dt.date, agency_id: int | None, unattributed: bool = False) -> SettlementDay:
        key = (day, agency_id, unattributed)
        if key not in rows:
            rows[key] = SettlementDay(day=day, agency_id=agency_id, unattributed=unattributed)
        return rows[key]

    def take(target: SettlementDay, values: dict[str, Any]) -> None:
        for name in _FIGURES:
            if name in values:
                setattr(target, name, values[name] if values[name] is not None else 0)

    for values in grouped(sources.batches.values("day", "agency_id").annotate(**_batch_figures())):
        take(row(values["day"], values["agency_id"]), values)
    for values in grouped(
        sources.items.values("batch__day", "batch__agency_id").annotate(**_item_figures())
    ):
        take(row(values["batch__day"], values["batch__agency_id"]), values)
    for values in grouped(
        sources.mismatches.values(
            "confirmation__export__day", "item__batch__agency_id", "unattributed"
        ).annotate(mismatches=Count("id"))
    ):
        target = row(
            values["confirmation__export__day"],
            values["item__batch__agency_id"],
            values["unattributed"],
        )
        take(target, values)
    for values in grouped(sources.unsettled.values("day", "agency_id").annotate(**_UNSETTLED)):
        take(row(values["day"], values["agency_id"]), values)
    return list(rows.values())


def _summed() -> dict[str, Any]:
    return {name: Sum(name) for name in _FIGURES}


def settlement_report(*, period: DateRange, live: bool = False) -> SettlementReport:
    """Batches of the business days in ``period`` and their items; differences of the
    confirmations of those days' exports; policies issued in ``period`` (Tehran days) not
    yet in a batch. Per day (days with something to show) and per agency.

    Summarised days are read from ``SettlementDay`` (two queries), the others live (eight
    queries; ``live=True``: every day, as the summaries are checked against)."""
    if live:
        summarised, open_days = Days(), Days.of(period.days())
    else:
        summarised, open_days = split_period(period)
    sources = _Sources.on(open_days)

    days: dict[dt.date, SettlementFigures] = {}

    def on_day(day: dt.date) -> SettlementFigures:
        return days.setdefault(day, SettlementFigures(day=day))

    summary = SettlementDay.objects.filter(summarised.on("day")).order_by()
    for row in grouped(summary.values("day").annotate(**_summed())):
        on_day(row["day"]).take(row)
    for row in grouped(sources.batches.values("day").annotate(**_batch_figures())):
        on_day(row["day"]).take_more(row)
    for row in grouped(sources.items.values("batch__day").annotate(**_item_figures())):
        on_day(row["batch__day"]).take_more(row)
    for row in grouped(
        sources.mismatches.values("confirmation__export__day").annotate(mismatches=Count("id"))
    ):
        on_day(row["confirmation__export__day"]).take_more(row)
    for row in grouped(sources.unsettled.values("day").annotate(**_UNSETTLED)):
        on_day(row["day"]).take_more(row)

    agencies: dict[tuple[int | None, bool], SettlementFigures] = {}

    def of_agency(
        row: dict[str, Any], prefix: str, unattributed: bool = False
    ) -> SettlementFigures:
        agency = agency_from(row, prefix)
        key = (agency.id if agency else None, unattributed)
        return agencies.setdefault(key, SettlementFigures(agency=agency, unattributed=unattributed))

    for row in grouped(
        summary.values(*agency_fields("agency__"), "unattributed").annotate(**_summed())
    ):
        of_agency(row, "agency__", row["unattributed"]).take_more(row)
    for row in grouped(
        sources.batches.values(*agency_fields("agency__")).annotate(**_batch_figures())
    ):
        of_agency(row, "agency__").take_more(row)
    for row in grouped(
        sources.items.values(*agency_fields("batch__agency__")).annotate(**_item_figures())
    ):
        of_agency(row, "batch__agency__").take_more(row)
    for row in grouped(
        sources.mismatches.values(*agency_fields("item__batch__agency__"), "unattributed").annotate(
            mismatches=Count("id")
        )
    ):
        of_agency(row, "item__batch__agency__", row["unattributed"]).take_more(row)
    for row in grouped(sources.unsettled.values(*agency_fields("agency__")).annotate(**_UNSETTLED)):
        of_agency(row, "agency__").take_more(row)

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

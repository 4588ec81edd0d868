"""Sales across the network: policies issued in a period, by agency, line, province and day
or Jalali month. A policy without an agency is the virtual branch's own main-site sale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from core.jalali import tehran
from core.languages import in_language
from policies.models import Policy
from reports.periods import DateRange
from reports.selectors.shared import AgencyRef, agency_fields, agency_from, grouped
from tenants.models import Agency

# The agency-kind filter's value for the virtual branch's own sales (no agency at all).
VIRTUAL_BRANCH = "virtual_branch"
ZERO = Decimal(0)


@dataclass(frozen=True)
class SalesFigure:
    """Policies issued and their premium; ``key`` says of what (``None``: the virtual
    branch). By period, ``key`` is the first day and ``last_day`` the last one."""

    key: Any
    label: str
    count: int
    premium: Decimal
    agency: AgencyRef | None = None
    last_day: dt.date | None = None


@dataclass(frozen=True)
class SalesReport:
    period: DateRange
    by_agency: list[SalesFigure]
    by_line: list[SalesFigure]
    by_province: list[SalesFigure]
    by_period: list[SalesFigure]
    count: int
    premium: Decimal


def _policies(
    *, period: DateRange, line_code: str | None, province: str | None, agency_kind: str | None
) -> QuerySet[Policy]:
    policies = Policy.objects.filter(issued_at__gte=period.start, issued_at__lt=period.end)
    if line_code:
        policies = policies.filter(line__code=line_code)
    if province:
        policies = policies.filter(agency__province=province)
    if agency_kind == VIRTUAL_BRANCH:
        policies = policies.filter(agency__isnull=True)
    elif agency_kind:
        policies = policies.filter(agency__kind=agency_kind)
    return policies.order_by()


def _biggest_first(figures: list[SalesFigure]) -> list[SalesFigure]:
    return sorted(figures, key=lambda figure: (-figure.premium, -figure.count, figure.label))


def sales_report(
    *,
    period: DateRange,
    by_month: bool = False,
    line_code: str | None = None,
    province: str | None = None,
    agency_kind: str | None = None,
) -> SalesReport:
    """Count and premium of the policies issued in ``period`` (by their issue day in
    Tehran, whatever happened to them later), narrowed by line code, the agency's province
    and the agency's kind (or :data:`VIRTUAL_BRANCH`). Five queries."""
    policies = _policies(
        period=period, line_code=line_code, province=province, agency_kind=agency_kind
    )
    figures = {"count": Count("id"), "premium": Sum("premium")}
    agency_columns = agency_fields("agency__")
    by_agency = []
    for row in grouped(policies.values(*agency_columns).annotate(**figures)):
        agency = agency_from(row, "agency__")
        by_agency.append(
            SalesFigure(
                key=agency.id if agency else None,
                label=agency.name if agency else "",
                count=row["count"],
                premium=row["premium"],
                agency=agency,
            )
        )
    by_line = [
        SalesFigure(
            key=row["line__code"],
            label=in_language(row["line__name"], row["line__name_en"]),
            count=row["count"],
            premium=row["premium"],
        )
        for row in grouped(
            policies.values("line__code", "line__name", "line__name_en").annotate(**figures)
        )
    ]
    by_province = [
        SalesFigure(
            key=row["agency__province"],
            label=row["agency__province"] or "",
            count=row["count"],
            premium=row["premium"],
        )
        for row in grouped(policies.values("agency__province").annotate(**figures))
    ]
    per_day = {
        row["day"]: (row["count"], row["premium"])
        for row in grouped(
            policies.annotate(day=TruncDate("issued_at", tzinfo=tehran()))
            .values("day")
            .annotate(**figures)
        )
    }
    spans = period.months() if by_month else [(day, day) for day in period.days()]
    by_period = []
    for first, last in spans:
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        found = [per_day[day] for day in days if day in per_day]
        by_period.append(
            SalesFigure(
                key=first,
                label="",
                count=sum(count for count, _premium in found),
                premium=sum((premium for _count, premium in found), ZERO),
                last_day=last,
            )
        )
    return SalesReport(
        period=period,
        by_agency=_biggest_first(by_agency),
        by_line=_biggest_first(by_line),
        by_province=_biggest_first(by_province),
        by_period=by_period,
        count=sum(figure.count for figure in by_agency),
        premium=sum((figure.premium for figure in by_agency), ZERO),
    )


def agency_provinces() -> list[str]:
    """The provinces agencies are in, for the filter."""
    return list(
        Agency.objects.exclude(province="")
        .order_by("province")
        .values_list("province", flat=True)
        .distinct()
    )

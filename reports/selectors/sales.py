"""Sales across the network: policies issued in a period, by agency, line, province and day
or Jalali month. A policy without an agency is the virtual branch's own main-site sale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections

from core.db import read_alias
from core.jalali import tehran
from core.languages import in_language
from policies.models import Line, Policy
from reports.models import SalesDay
from reports.periods import DateRange
from reports.selectors.shared import AgencyRef
from reports.summaries import Days, split_period
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


# One statement: the summarised days' rows and the open days' policies (read from the index
# policy_issued_cover alone), filtered, grouped three ways at once on ids (by agency, line,
# day), then named. The province figures are the agencies' added up.
_SALES_SQL = """
WITH found AS (
    SELECT s.day, s.agency_id, s.line_id, s.policies AS n, s.premium
    FROM {sales} s WHERE {summarised}
    UNION ALL
    SELECT (p.issued_at AT TIME ZONE %s)::date, p.agency_id, p.line_id, 1, p.premium
    FROM {policy} p WHERE {live}
), totals AS (
    SELECT GROUPING(f.agency_id) AS no_agency, GROUPING(f.line_id) AS no_line,
           f.agency_id, f.line_id, f.day, sum(f.n) AS n, sum(f.premium) AS premium
    FROM found f {joins}
    WHERE {filters}
    GROUP BY GROUPING SETS ((f.agency_id), (f.line_id), (f.day))
)
SELECT t.no_agency, t.no_line, t.agency_id, a.code, a.name, a.kind, a.province,
       l.code, l.name, l.name_en, t.day, t.n, t.premium
FROM totals t
LEFT JOIN {agency} a ON a.id = t.agency_id AND t.no_agency = 0
LEFT JOIN {line} l ON l.id = t.line_id AND t.no_line = 0
"""


def _sales_rows(
    *,
    period: DateRange,
    line_code: str | None,
    province: str | None,
    agency_kind: str | None,
    live: bool,
) -> list[tuple]:
    if live:
        summarised, open_days = Days(), Days.of(period.days())
    else:
        summarised, open_days = split_period(period)
    summary_where, summary_params = summarised.sql_on("s.day")
    live_where, live_params = open_days.sql_at("p.issued_at")
    joins, filters, filter_params = [], ["true"], []
    if line_code:
        joins.append(f"JOIN {Line._meta.db_table} fl ON fl.id = f.line_id")
        filters.append("fl.code = %s")
        filter_params.append(line_code)
    if province or (agency_kind and agency_kind != VIRTUAL_BRANCH):
        joins.append(f"JOIN {Agency._meta.db_table} fa ON fa.id = f.agency_id")
    if province:
        filters.append("fa.province = %s")
        filter_params.append(province)
    if agency_kind == VIRTUAL_BRANCH:
        filters.append("f.agency_id IS NULL")
    elif agency_kind:
        filters.append("fa.kind = %s")
        filter_params.append(agency_kind)
    sql = _SALES_SQL.format(
        sales=SalesDay._meta.db_table,
        policy=Policy._meta.db_table,
        line=Line._meta.db_table,
        agency=Agency._meta.db_table,
        summarised=summary_where,
        live=live_where,
        joins=" ".join(joins),
        filters=" AND ".join(filters),
    )
    with connections[read_alias()].cursor() as cursor:
        cursor.execute(sql, [*summary_params, str(tehran()), *live_params, *filter_params])
        return cursor.fetchall()


def _biggest_first(figures: list[SalesFigure]) -> list[SalesFigure]:
    return sorted(figures, key=lambda figure: (-figure.premium, -figure.count, figure.label))


def sales_report(
    *,
    period: DateRange,
    by_month: bool = False,
    line_code: str | None = None,
    province: str | None = None,
    agency_kind: str | None = None,
    live: bool = False,
) -> SalesReport:
    """Count and premium of the policies issued in ``period`` (by their issue day in
    Tehran, whatever happened to them later), narrowed by line code, the agency's province
    and the agency's kind (or :data:`VIRTUAL_BRANCH`). Two queries: which days are
    summarised, then one statement over the summaries of those and the live policies of
    the others (decision 060); ``live=True`` reads every day live, as the summaries are
    checked against."""
    by_agency, by_line = [], []
    provinces: dict[str | None, tuple[int, Decimal]] = {}
    per_day: dict[dt.date, tuple[int, Decimal]] = {}
    for row in _sales_rows(
        period=period,
        line_code=line_code,
        province=province,
        agency_kind=agency_kind,
        live=live,
    ):
        no_agency, no_line, agency_id, code, name, kind, agency_province = row[:7]
        line_code_, line_name, line_name_en, day, count, premium = row[7:]
        count, premium = int(count), premium if premium is not None else ZERO
        if not no_agency:
            agency = (
                AgencyRef(id=agency_id, code=code, name=name, kind=kind, province=agency_province)
                if agency_id is not None
                else None
            )
            by_agency.append(
                SalesFigure(
                    key=agency_id,
                    label=name if agency else "",
                    count=count,
                    premium=premium,
                    agency=agency,
                )
            )
            key = agency_province if agency else None
            before = provinces.get(key, (0, ZERO))
            provinces[key] = (before[0] + count, before[1] + premium)
        elif not no_line:
            by_line.append(
                SalesFigure(
                    key=line_code_,
                    label=in_language(line_name, line_name_en),
                    count=count,
                    premium=premium,
                )
            )
        else:
            per_day[day] = (count, premium)
    by_province = [
        SalesFigure(key=key, label=key or "", count=count, premium=premium)
        for key, (count, premium) in provinces.items()
    ]
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

"""The sales report's tables and charts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.jalali import format_jalali_date
from reports.periods import jalali_month_label
from reports.presentation.common import (
    agency_cells,
    chart_labels,
    kind_label,
    virtual_branch_label,
)
from reports.selectors import SalesReport
from reports.tables import COUNT, PERCENT, RIALS, Col, Table, percent_of
from tenants.panel.dashboard import Chart


def sales_tables(report: SalesReport, *, by_month: bool) -> list[Table]:
    premium = report.premium
    figures = [Col(_("Policies"), COUNT), Col(_("Premium (rials)"), RIALS)]
    shared = [*figures, Col(_("Share of premium (%)"), PERCENT)]
    by_agency = Table(
        "by-agency",
        _("Sales by agency"),
        [Col(_("Agency code")), Col(_("Agency")), Col(_("Kind")), Col(_("Province")), *shared],
        total=[_("Total"), None, None, None, report.count, premium, None],
    )
    for row in report.by_agency:
        agency = row.agency
        by_agency.rows.append(
            [
                *agency_cells(agency),
                kind_label(agency.kind) if agency else None,
                (agency.province or None) if agency else None,
                row.count,
                row.premium,
                percent_of(row.premium, premium),
            ]
        )
    by_line = Table(
        "by-line",
        _("Sales by line"),
        [Col(_("Line")), *shared],
        [
            [row.label, row.count, row.premium, percent_of(row.premium, premium)]
            for row in report.by_line
        ],
        [_("Total"), report.count, premium, None],
    )
    by_province = Table(
        "by-province",
        _("Sales by province"),
        [Col(_("Province")), *shared],
        [
            [
                virtual_branch_label() if row.key is None else (row.label or _("Not given")),
                row.count,
                row.premium,
                percent_of(row.premium, premium),
            ]
            for row in report.by_province
        ],
        [_("Total"), report.count, premium, None],
    )
    by_period = Table(
        "by-period",
        _("Sales by Jalali month") if by_month else _("Sales by day"),
        [Col(_("Month") if by_month else _("Day")), *figures],
        [
            [
                jalali_month_label(row.key)
                if by_month
                else format_jalali_date(row.key, persian_digits=False),
                row.count,
                row.premium,
            ]
            for row in report.by_period
        ],
        [_("Total"), report.count, premium],
    )
    return [by_agency, by_line, by_province, by_period]


def sales_charts(tables: list[Table]) -> list[Chart]:
    _by_agency, by_line, by_province, by_period = tables
    return [
        Chart(
            "sales-period",
            by_period.title,
            "bar",
            chart_labels([row[0] for row in by_period.rows]),
            [
                {
                    "label": _("Policies"),
                    "data": [row[1] for row in by_period.rows],
                    "yAxisID": "count",
                },
                {
                    "label": _("Premium (rials)"),
                    "data": [int(row[2]) for row in by_period.rows],
                    "type": "line",
                    "yAxisID": "money",
                },
            ],
        ),
        Chart(
            "sales-line",
            _("Premium by line"),
            "doughnut",
            [row[0] for row in by_line.rows],
            [{"label": _("Premium (rials)"), "data": [int(row[2]) for row in by_line.rows]}],
        ),
        Chart(
            "sales-province",
            _("Premium by province"),
            "bar",
            [row[0] for row in by_province.rows],
            [{"label": _("Premium (rials)"), "data": [int(row[2]) for row in by_province.rows]}],
        ),
    ]

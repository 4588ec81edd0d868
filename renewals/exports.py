"""Retention and points as Excel files (core.xlsx: right to left, Persian headers, numbers as
numbers, Jalali months and days as text)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import xlsx
from core.jalali import format_jalali_date
from core.money import to_rials
from renewals.selectors.figures import GROUPS, LINE, MONTH, REGION, STAFF, PointsReport, Retention

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _group_titles() -> dict[str, str]:
    return {
        STAFF: pgettext("renewal figures", "Staff member"),
        LINE: _("Line"),
        REGION: _("Region"),
        MONTH: _("Month"),
    }


def retention_columns(group_title: str) -> list[xlsx.Column]:
    n, d = xlsx.NUMBER, xlsx.DECIMAL
    return [
        xlsx.Column(group_title, xlsx.TEXT, 24),
        xlsx.Column(_("Due for renewal"), n, 10),
        xlsx.Column(_("Renewed"), n, 10),
        xlsx.Column(_("Renewed elsewhere"), n, 12),
        xlsx.Column(_("Declined by the customer"), n, 10),
        xlsx.Column(_("Lapsed"), n, 10),
        xlsx.Column(_("Still open"), n, 10),
        xlsx.Column(_("Renewal rate by count (%)"), d, 12),
        xlsx.Column(_("Premium due"), n, 16),
        xlsx.Column(_("Premium renewed (old)"), n, 16),
        xlsx.Column(_("Premium of the renewals (new)"), n, 16),
        xlsx.Column(_("Renewal rate by premium (%)"), d, 12),
        xlsx.Column(_("Commission due"), n, 16),
        xlsx.Column(_("Commission renewed (old)"), n, 16),
        xlsx.Column(_("Commission of the renewals (new)"), n, 16),
        xlsx.Column(_("Renewal rate by commission (%)"), d, 12),
    ]


def _rials(value: Decimal) -> int:
    return int(to_rials(value))


def retention_cells(row: Any) -> list[Any]:
    return [
        row.label,
        row.due,
        row.renewed,
        row.elsewhere,
        row.declined,
        row.lapsed,
        row.open,
        row.rate_count,
        _rials(row.due_premium),
        _rials(row.renewed_premium),
        _rials(row.new_premium),
        row.rate_premium,
        _rials(row.due_commission),
        _rials(row.renewed_commission),
        _rials(row.new_commission),
        row.rate_commission,
    ]


def retention_xlsx(report: Retention) -> bytes:
    """A sheet per grouping (staff member, line, region, month), each ending with the total."""
    target = io.BytesIO()
    titles = _group_titles()
    with xlsx.XlsxWriter(target) as book:
        for group in GROUPS:
            sheet = book.sheet(titles[group], retention_columns(titles[group]))
            for row in [*report.groups.get(group, []), report.total]:
                sheet.row(retention_cells(row))
            sheet.close()
    return target.getvalue()


def points_xlsx(report: PointsReport) -> bytes:
    """Two sheets: each staff member's renewals, points and premium; the premium of each day
    per staff member."""
    target = io.BytesIO()
    with xlsx.XlsxWriter(target) as book:
        sheet = book.sheet(
            _("Points"),
            [
                xlsx.Column(pgettext("renewal figures", "Staff member"), xlsx.TEXT, 24),
                xlsx.Column(_("Renewals"), xlsx.NUMBER, 10),
                xlsx.Column(_("Points"), xlsx.NUMBER, 10),
                xlsx.Column(_("Premium of the renewals"), xlsx.NUMBER, 16),
            ],
        )
        for staff in [*report.staff, report.total]:
            sheet.row([staff.name, staff.renewals, staff.points, _rials(staff.premium)])
        sheet.close()
        sheet = book.sheet(
            _("Premium per day"),
            [
                xlsx.Column(_("Day"), xlsx.TEXT, 12),
                *(xlsx.Column(staff.name, xlsx.NUMBER, 16) for staff in report.staff),
                xlsx.Column(_("Total"), xlsx.NUMBER, 16),
            ],
        )
        for day, cells, total in report.days:
            sheet.row(
                [
                    format_jalali_date(day, persian_digits=False),
                    *(_rials(cell.premium) if cell else 0 for cell in cells),
                    _rials(total),
                ]
            )
        sheet.close()
    return target.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

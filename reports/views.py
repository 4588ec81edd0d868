"""Cross-agency reports (S-5.5) and the audit log on the ops host. Every page reads the
public schema's ledger through ``reports.selectors``; ``?format=xlsx`` downloads the tables
the page shows. The reports and the audit log read from the streaming replica where there is
one (``core.db.replica()``, decision 054), after the access check has read the primary."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import STAFF_ROLES, insurer_view
from core.db import replica
from core.xlsx import xlsx_response
from reports import presentation
from reports.audit_log import EXPORT_LIMIT, audit_row, write_audit
from reports.forms import AuditFilter, PeriodFilter, SalesFilter
from reports.periods import DateRange
from reports.selectors import audit_entries, referral_report, sales_report, settlement_report
from reports.tables import Table, write_tables
from tenants.panel.dashboard import Chart

AUDIT_ROLES = ("operator", "branch_manager", "admin")
AUDIT_PAGE_SIZE = 50


def _wants_excel(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def _query(request: HttpRequest, *, drop: tuple[str, ...] = ("format",)) -> str:
    return urlencode(
        {key: value for key, value in request.GET.items() if key not in drop and value}
    )


def _report(
    request: HttpRequest,
    *,
    name: str,
    template: str,
    form: PeriodFilter,
    period: DateRange,
    tables: list[Table],
    charts: list[Chart],
) -> HttpResponse:
    if _wants_excel(request):
        return xlsx_response(f"{name}-{period.slug()}.xlsx", write_tables(tables))
    return render(
        request,
        template,
        {
            "form": form,
            "period": period,
            "tables": tables,
            "charts": [(chart, chart.as_data()) for chart in charts],
            "query": _query(request),
        },
    )


@insurer_view(roles=STAFF_ROLES)
def reports_home(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/home.html")


@insurer_view(roles=STAFF_ROLES)
@replica()
def sales(request: HttpRequest) -> HttpResponse:
    form = SalesFilter(request.GET or None)
    selection = form.selection()
    report = sales_report(**selection)
    tables = presentation.sales_tables(report, by_month=selection["by_month"])
    return _report(
        request,
        name="sales",
        template="reports/sales.html",
        form=form,
        period=report.period,
        tables=tables,
        charts=presentation.sales_charts(tables),
    )


@insurer_view(roles=STAFF_ROLES)
@replica()
def referrals(request: HttpRequest) -> HttpResponse:
    form = PeriodFilter(request.GET or None)
    report = referral_report(**form.selection())
    return _report(
        request,
        name="referrals",
        template="reports/referrals.html",
        form=form,
        period=report.period,
        tables=presentation.referral_tables(report),
        charts=presentation.referral_charts(report),
    )


@insurer_view(roles=STAFF_ROLES)
@replica()
def settlement(request: HttpRequest) -> HttpResponse:
    form = PeriodFilter(request.GET or None)
    report = settlement_report(**form.selection())
    return _report(
        request,
        name="settlement",
        template="reports/settlement.html",
        form=form,
        period=report.period,
        tables=presentation.settlement_tables(report),
        charts=presentation.settlement_charts(report),
    )


@insurer_view(roles=AUDIT_ROLES)
@replica()
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilter(request.GET or None)
    entries = audit_entries()
    if form.is_bound:
        entries = audit_entries(**form.filters()) if form.is_valid() else entries.none()
    if _wants_excel(request):
        return xlsx_response("audit-log.xlsx", write_audit(entries[:EXPORT_LIMIT].iterator(2000)))
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/audit.html",
        {
            "form": form,
            "page": page,
            "rows": [audit_row(entry) for entry in page.object_list],
            "query": _query(request, drop=("format", "page")),
            "export_limit": EXPORT_LIMIT,
            "capped": page.paginator.count > EXPORT_LIMIT,
        },
    )

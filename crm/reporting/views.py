"""The CRM's report pages in the agency panel (owners and managers): a list of the reports,
and a page per report with its filters, a table a page at a time, and its Excel and PDF
downloads (``?format=xlsx`` / ``?format=pdf`` with the same filters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from crm.reporting import exports
from crm.reporting.catalog import REPORTS, Report, report_get
from crm.reporting.cells import CUSTOMER_COLUMNS, Labels
from crm.reporting.forms import ReportFilter
from crm.reporting.paging import ReportPage, listing_page
from tenants.panel.base import panel_view

PAGE_SIZE = 50


@dataclass(frozen=True)
class CustomerLink:
    """A customer's name in a report page's cell, linked to the card (exports keep the name)."""

    name: str
    customer_pk: int


def _link_customers(report: Report, raw: list[Any], rows: list[list[Any]]) -> None:
    """Turn each row's customer name into a link to the card (from the row's own id)."""
    column = next((i for i, c in enumerate(report.columns) if c is CUSTOMER_COLUMNS[0]), None)
    if column is None:
        return
    for values, cells in zip(raw, rows, strict=True):
        if not isinstance(values, dict):
            continue
        if report.customer_key == "id":
            pk = values.get("id")
        else:
            pk = values.get("customer__id", values.get(report.customer_key))
        if pk:
            cells[column] = CustomerLink(name=cells[column], customer_pk=pk)


@panel_view(manage=True)
def report_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "crm/reports/index.html",
        {"agency": request.agency, "reports": list(REPORTS.values())},  # type: ignore[attr-defined]
    )


@panel_view(manage=True)
def report_page(request: HttpRequest, *, key: str) -> HttpResponseBase:
    report = report_get(key)
    form = ReportFilter(
        request.GET or None, fields=report.filters, default_days=report.default_days
    )
    selection = form.selection()
    agency = request.agency  # type: ignore[attr-defined]
    labels = Labels(agency, selection.today)
    wanted = request.GET.get("format")
    context = {"agency": agency, "selection": selection, "form": form}
    if wanted == "xlsx":
        return exports.xlsx_response(report, selection, labels)
    if wanted == "pdf":
        return exports.pdf_response(report, selection, labels)
    page: ReportPage | Page
    if report.listing is not None:
        # Long lists: the page's keys from an index, after the last row shown (decision 062).
        page = listing_page(
            report.listing(selection), cursor=request.GET.get("after"), size=PAGE_SIZE
        )
        raw = page.rows
    else:
        # A few rows (one per region and line): one statement, paged here.
        page = Paginator(list(report.query(selection)), PAGE_SIZE).get_page(request.GET.get("page"))
        raw = list(page.object_list)
    rows = report.present(raw, labels)
    _link_customers(report, raw, rows)
    query = request.GET.copy()
    for name in ("page", "after", "format"):
        query.pop(name, None)
    return render(
        request,
        "crm/reports/report.html",
        {
            **context,
            "report": report,
            "page": page,
            "keyset": report.listing is not None,
            "rows": [list(zip(report.columns, cells, strict=True)) for cells in rows],
            "query": query.urlencode(),
        },
    )

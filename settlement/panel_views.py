"""The agency's own commission statements on the panel (S-5.3), for owners and managers.
The agency comes from ``panel_view`` and nowhere else: another agency's id finds nothing."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from settlement.models import CommissionStatement
from settlement.selectors_statements import (
    agency_commission_statement_get,
    agency_commission_statements,
)
from settlement.statement_files import (
    statement_context,
    statement_pdf_response,
    statement_xlsx_response,
)
from tenants.panel.base import panel_view

PAGE_SIZE = 50
LINES_PAGE_SIZE = 200


def _statement_or_404(request, statement_id: int) -> CommissionStatement:
    statement = agency_commission_statement_get(agency=request.agency, statement_id=statement_id)
    if statement is None:
        raise Http404
    return statement


@panel_view(manage=True)
def statement_list(request) -> HttpResponse:
    page = Paginator(agency_commission_statements(agency=request.agency), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "settlement/panel/statements.html",
        {"agency": request.agency, "page": page, "statements": page.object_list, "query": ""},
    )


@panel_view(manage=True)
def statement_detail(request, statement_id: int) -> HttpResponse:
    statement = _statement_or_404(request, statement_id)
    context = statement_context(statement, reconciliation=False)
    page = Paginator(context["lines"], LINES_PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=page, lines=page.object_list, query="")
    return render(request, "settlement/panel/statement.html", context)


@panel_view(manage=True)
def statement_pdf(request, statement_id: int) -> HttpResponse:
    return statement_pdf_response(_statement_or_404(request, statement_id))


@panel_view(manage=True)
def statement_xlsx(request, statement_id: int) -> HttpResponse:
    return statement_xlsx_response(_statement_or_404(request, statement_id))

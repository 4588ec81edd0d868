"""The panel's SMS log (owners and managers): what the agency sent and what its customers
answered, with filters, pages, the totals of the filter and an Excel download of the filtered
rows (``?format=xlsx``). The agency is the member's own (``panel_view``); every read is
filtered by its id."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from crm.selectors.customers import CappedPaginator
from messaging.log import COUNT_CAP, received_messages, received_rows, sent_messages, sent_rows
from messaging.log import sent_totals as totals_of
from messaging.log_export import log_xlsx_response
from messaging.log_forms import LogFilterForm
from tenants.panel.base import panel_view

PAGE_SIZE = 50
RECEIVED = "received"


@panel_view(manage=True)
def sms_log(request: HttpRequest) -> HttpResponseBase:
    agency = request.agency  # type: ignore[attr-defined]
    received = request.GET.get("tab") == RECEIVED
    form = LogFilterForm(request.GET or None, received=received)
    filters = form.log_filter()
    rows = (
        received_messages(agency=agency, filters=filters)
        if received
        else sent_messages(agency=agency, filters=filters)
    )
    if request.GET.get("format") == "xlsx":
        return log_xlsx_response(received=received, rows=rows)
    paginator = CappedPaginator(rows, PAGE_SIZE, cap=COUNT_CAP)
    page = paginator.get_page(request.GET.get("page"))
    shown = list(page.object_list)
    query = request.GET.copy()
    for name in ("page", "format"):
        query.pop(name, None)
    return render(
        request,
        "messaging/log/list.html",
        {
            "agency": agency,
            "form": form,
            "received": received,
            "page": page,
            "rows": received_rows(shown) if received else sent_rows(shown),
            "capped": paginator.capped,
            "cap": COUNT_CAP,
            "totals": None if received else totals_of(rows),  # type: ignore[arg-type]
            "query": query.urlencode(),
            "filters_query": _without(query, "tab"),
        },
    )


def _without(query, name: str) -> str:  # type: ignore[no-untyped-def]
    kept = query.copy()
    kept.pop(name, None)
    return kept.urlencode()

"""The agency's customers in its panel (S-4.2): who signed up on its site or bought from it,
and their orders here. The agency comes from ``panel_view`` and nowhere else."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render

from policies.selectors_issuance import agency_customer_get, agency_customers, agency_orders
from tenants.panel.base import panel_view

PAGE_SIZE = 50


@panel_view
def customer_list(request) -> HttpResponse:
    search = (request.GET.get("q") or "").strip()[:50]
    page = agency_customers(agency=request.agency, search=search).page(
        cursor=request.GET.get("after"), size=PAGE_SIZE
    )
    return render(
        request,
        "policies/panel/customer_list.html",
        {
            "agency": request.agency,
            "page": page,
            "customers": page.rows,
            "search": search,
            "query": urlencode({"q": search}) if search else "",
        },
    )


@panel_view
def customer_detail(request, customer_id: int) -> HttpResponse:
    customer = agency_customer_get(agency=request.agency, customer_id=customer_id)
    if customer is None:
        raise Http404
    orders = agency_orders(agency=request.agency).filter(customer=customer)
    return render(
        request,
        "policies/panel/customer_detail.html",
        {"agency": request.agency, "customer": customer, "orders": orders},
    )

"""The panel's customer list and customer card (S-6.1, S-6.5). The agency comes from
``panel_view`` (the member's own); every read runs in its schema."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from core.keyset import keyset_page
from crm.models import (
    Customer,
    CustomerAddress,
    CustomerGroup,
    CustomerPhone,
    CustomerRank,
    CustomerRelation,
    Marketer,
    Region,
)
from crm.panel.customer_forms import CONSENT_CHOICES
from crm.panel.timeline import card_timeline
from crm.selectors.card import customer_card, membership_sees_all
from crm.selectors.customers import SEARCH_COUNT_CAP
from crm.selectors.customers import customer_list as customers_found
from tenants.panel.base import panel_view

PAGE_SIZE = 30
# What the list's filters accept, by name: anything else is ignored.
YES_NO = {"yes": True, "no": False}


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def list_filters(params) -> dict:  # type: ignore[no-untyped-def]
    """The list's filters from the query string, each checked against what it may be."""
    kind = params.get("kind") or None
    band = params.get("band") or None
    return {
        "query": (params.get("q") or "").strip()[:100],
        "kind": kind if kind in Customer.Kind.values else None,
        "band": band if band in CustomerRank.Band.values else None,
        "group_id": _int(params.get("group")),
        "region_id": _int(params.get("region")),
        "marketer_id": _int(params.get("marketer")),
        "sms_consent": YES_NO.get(params.get("sms") or ""),
    }


@panel_view
def customer_list(request) -> HttpResponse:
    filters = list_filters(request.GET)
    found = customers_found(membership=request.membership, **filters)
    # A page starts after the last customer shown (keyset, index crm_customer_live_recent):
    # the last of 200,000 customers costs what the first page costs. A filtered list says
    # how many match, counted up to the cap (a frequent name matches tens of thousands);
    # the whole list is not counted.
    page = keyset_page(found, field="created_at", cursor=request.GET.get("after"), size=PAGE_SIZE)
    filtered = any(value not in (None, "") for value in filters.values())
    matches = found.order_by()[: SEARCH_COUNT_CAP + 1].count() if filtered else None
    kept = {
        key: request.GET.get(key, "")
        for key in ("q", "kind", "band", "group", "region", "marketer", "sms")
        if request.GET.get(key)
    }
    return render(
        request,
        "crm/customers/list.html",
        {
            "agency": request.agency,
            "page": page,
            "customers": page.rows,
            "matches": None if matches is None else min(matches, SEARCH_COUNT_CAP),
            "capped": matches is not None and matches > SEARCH_COUNT_CAP,
            "filters": kept,
            "query": urlencode(kept),
            "kinds": Customer.Kind.choices,
            "bands": CustomerRank.Band.choices,
            "groups": list(CustomerGroup.objects.only("id", "name")),
            "regions": list(Region.objects.filter(is_active=True).only("id", "name")),
            "marketers": list(
                Marketer.objects.filter(is_active=True).only("id", "first_name", "last_name")
            ),
        },
    )


def customer_or_404(customer_id: int) -> Customer:
    """A live customer of the current schema; a merged one is not found here (its card
    redirects to the survivor)."""
    customer = Customer.objects.filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None:
        raise Http404
    return customer


@panel_view
def customer_detail(request, customer_id: int) -> HttpResponse:
    card = customer_card(
        customer_id=customer_id, membership=request.membership, agency=request.agency
    )
    if card is None:
        merged = (
            Customer.objects.filter(pk=customer_id, merged_into__isnull=False)
            .values_list("merged_into_id", flat=True)
            .first()
        )
        if merged:
            return redirect("panel-crm-customers:detail", customer_id=merged)
        raise Http404
    for policy in card.book:
        # A code the catalog does not know is never shown: what is insured, or nothing.
        policy.line_name = card.line_names.get(policy.line_code) or policy.subject or "—"  # type: ignore[attr-defined]
    for case in card.cases:
        case.assignee_name = card.user_names.get(case.assignee_user_id or 0, "")  # type: ignore[attr-defined]
    return render(
        request,
        "crm/customers/card.html",
        {
            "agency": request.agency,
            "card": card,
            "customer": card.customer,
            "timeline": card_timeline(card, agency=request.agency),
            # What the sections of the other CRM parts take (cases 029, money 030, selling 032).
            "cases": card.cases,
            "activities": card.activities,
            "complaints": card.complaints,
            "claims": card.claims,
            "gifts": card.gifts,
            "instruments": card.instruments,
            "sales": card.sales,
            "user_names": card.user_names,
            "sees_all": membership_sees_all(request.membership),
            "all_groups": list(CustomerGroup.objects.only("id", "name")),
            "phone_kinds": CustomerPhone.Kind.choices,
            "address_kinds": CustomerAddress.Kind.choices,
            "relation_kinds": CustomerRelation.Kind.choices,
            "consent_choices": CONSENT_CHOICES,
        },
    )

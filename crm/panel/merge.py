"""Merging two customers from the panel: pick both (by search), see them side by side,
choose which one stays, confirm (``crm.services.merge.customer_merge``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import Conflict
from crm.panel.customers import _int
from crm.selectors.card import customer_card
from crm.selectors.customers import customer_list
from crm.services.merge import customer_merge
from tenants.panel.base import panel_view

CHOICES = 10


def _side(request, name: str):  # type: ignore[no-untyped-def]
    """The card of the customer chosen for one side, or None."""
    pk = _int(request.POST.get(name) if request.method == "POST" else request.GET.get(name))
    return customer_card(customer_id=pk, membership=request.membership) if pk else None


@panel_view
def customer_merge_page(request) -> HttpResponse:
    first, second = _side(request, "a"), _side(request, "b")
    if request.method == "POST" and first is not None and second is not None:
        keep, gone = (first, second) if request.POST.get("keep") != "b" else (second, first)
        try:
            customer_merge(
                agency=request.agency,
                actor=request.user,
                survivor=keep.customer,
                merged=gone.customer,
            )
        except (ValidationError, Conflict) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("The two customers were merged."))
            return redirect("panel-crm-customers:detail", customer_id=keep.customer.pk)
    searches = {}
    for name, chosen in (("a", first), ("b", second)):
        query = (request.GET.get(f"q{name}") or "").strip()[:100]
        searches[name] = {
            "query": query,
            "found": list(customer_list(query=query)[:CHOICES]) if query and not chosen else [],
        }
    kept = {key: request.GET.get(key) for key in ("a", "b", "qa", "qb") if request.GET.get(key)}
    return render(
        request,
        "crm/customers/merge.html",
        {
            "agency": request.agency,
            "first": first,
            "second": second,
            "searches": searches,
            "kept": kept,
            "kept_query": urlencode(kept),
            "same": first is not None
            and second is not None
            and first.customer.pk == second.customer.pk,
        },
    )

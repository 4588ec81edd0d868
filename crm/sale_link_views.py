"""The customer's side of a sale made in the panel: the link texted to them opens their
order on the agency's site (decision 032).

The link proves nothing about who holds it: it only says which order. The order already
belongs to the account of the mobile it was sent to; whoever opens the link signs in with
the SMS code like anyone on the site, and only that account sees the order. Signed in as
someone else, the holder is told to sign in with the number the message came to — the
order never changes hands."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from crm.services.selling import SaleLinkExpired, SaleLinkInvalid, sale_link_read
from policies.models import Order
from policies.services.orders import EDITABLE, order_missing_steps


def _refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(
        request,
        "crm/selling/link_refused.html",
        {"reason": reason, "agency": request.agency},  # type: ignore[attr-defined]
        status=status,
    )


def sale_link_open(request: HttpRequest, token: str) -> HttpResponse:
    agency = getattr(request, "agency", None)
    if agency is None:  # the main site sells for no agency
        raise Http404
    try:
        order_id = sale_link_read(agency=agency, token=token)
    except SaleLinkExpired:
        return _refused(request, "expired", 410)
    except SaleLinkInvalid:
        return _refused(request, "invalid", 404)
    order = Order.objects.filter(pk=order_id, agency=agency, channel=Order.Channel.AGENCY).first()
    if order is None:
        return _refused(request, "invalid", 404)
    if not request.user.is_authenticated:
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('accounts:login')}?{query}")
    if request.user.pk != order.customer_id:
        # Not this account's order: a 404 as for any order of someone else, with a way out.
        return _refused(request, "other_account", 404)
    if order.state not in EDITABLE:
        return redirect("policies:order-detail", order_id=order.public_id)
    missing = order_missing_steps(order=order)
    step = missing[0] if missing else "review"
    return redirect(f"policies:order-{step}", order_id=order.public_id)

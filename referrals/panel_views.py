"""Offers in the agency panel (S-3.4): waiting offers appear without reloading (HTMX polls a
fragment), with distance, line and premium but no customer identity until accepted."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from referrals.selectors import agency_offer_get, agency_offers, agency_offers_waiting
from referrals.services import OfferGone, offer_accept, offer_decline
from tenants.panel.base import panel_view

HISTORY_SIZE = 30


@panel_view
def offer_list(request) -> HttpResponse:
    return render(
        request,
        "referrals/panel/offers.html",
        {
            "agency": request.agency,
            "waiting": agency_offers_waiting(agency=request.agency),
            "history": agency_offers(agency=request.agency).exclude(state="waiting")[:HISTORY_SIZE],
            "now": timezone.now(),
        },
    )


@panel_view
def offers_waiting(request) -> HttpResponse:
    """The fragment HTMX polls: the waiting offers only."""
    response = render(
        request,
        "referrals/panel/_waiting.html",
        {"waiting": agency_offers_waiting(agency=request.agency), "now": timezone.now()},
    )
    response["Cache-Control"] = "no-store"
    return response


@panel_view
def offers_badge(request) -> HttpResponse:
    """The number next to "Offers" in the panel's menu (polled)."""
    count = agency_offers_waiting(agency=request.agency).count()
    response = render(request, "referrals/panel/_badge.html", {"count": count})
    response["Cache-Control"] = "no-store"
    return response


@panel_view
def offer_detail(request, offer_id: int) -> HttpResponse:
    offer = agency_offer_get(agency=request.agency, offer_id=offer_id)
    if offer is None:
        raise Http404
    if offer.state == offer.State.ACCEPTED:
        return redirect("panel-sales:detail", offer.referral.order.public_id)
    return render(
        request,
        "referrals/panel/offer_detail.html",
        {"agency": request.agency, "offer": offer, "order": offer.referral.order},
    )


@require_POST
@panel_view
def offer_accept_view(request, offer_id: int) -> HttpResponse:
    if agency_offer_get(agency=request.agency, offer_id=offer_id) is None:
        raise Http404
    try:
        offer = offer_accept(offer_id=offer_id, agency=request.agency, actor=request.user)
    except OfferGone as gone:
        messages.error(request, gone.messages[0])
        return redirect("panel-offers:list")
    messages.success(request, _accepted_message())
    return redirect("panel-sales:detail", offer.referral.order.public_id)


@require_POST
@panel_view
def offer_decline_view(request, offer_id: int) -> HttpResponse:
    if agency_offer_get(agency=request.agency, offer_id=offer_id) is None:
        raise Http404
    try:
        offer_decline(offer_id=offer_id, agency=request.agency, actor=request.user)
    except OfferGone as gone:
        messages.error(request, gone.messages[0])
    return redirect("panel-offers:list")


def _accepted_message() -> str:
    from django.utils.translation import gettext as _

    return _("The order is yours. The customer has been told to expect your call.")

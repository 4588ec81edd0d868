"""Advice requests offered to the agency, in its panel: the line, the place (city and
distance) and the customer's note, never who they are until the customer chooses this
agency; one answer each."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from advice import selectors, services
from advice.forms import AnswerForm
from core.forms import add_service_errors
from tenants.panel.base import panel_view

PAGE_SIZE = 25


def _mark(offer, agency) -> None:
    """Whether the agency was chosen, from the row already read (no query)."""
    chosen = offer.request.accepted_answer
    offer.chosen = chosen is not None and chosen.agency_id == agency.pk


@panel_view
def offered_list(request) -> HttpResponse:
    page = Paginator(selectors.agency_offered(agency=request.agency), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    for offer in rows:
        _mark(offer, request.agency)
    return render(
        request,
        "advice/panel/list.html",
        {"agency": request.agency, "page": page, "rows": rows},
    )


@panel_view
def offered_badge(request) -> HttpResponse:
    count = selectors.agency_waiting_count(agency=request.agency)
    response = render(request, "advice/panel/_badge.html", {"count": count})
    response["Cache-Control"] = "no-store"
    return response


@panel_view
def offered_detail(request, advice_request_id: int) -> HttpResponse:
    offer = selectors.agency_offer_get(agency=request.agency, request_id=advice_request_id)
    if offer is None:
        raise Http404
    answer = selectors.agency_answer_get(agency=request.agency, request_id=advice_request_id)
    form = AnswerForm(request.POST or None) if answer is None else None
    if request.method == "POST":
        if form is not None and form.is_valid():
            try:
                services.advice_answer(
                    request_id=advice_request_id,
                    agency=request.agency,
                    actor=request.user,
                    message=form.cleaned_data["message"],
                    premium=form.cleaned_data["premium"],
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):  # closed, or answered meanwhile
                    messages.error(request, " ".join(error.messages))
                    return redirect("panel-advice:detail", advice_request_id)
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your answer was sent to the customer."))
                return redirect("panel-advice:detail", advice_request_id)
        elif form is None:
            messages.error(request, _("Your agency has already answered this request."))
            return redirect("panel-advice:detail", advice_request_id)
    _mark(offer, request.agency)
    return render(
        request,
        "advice/panel/detail.html",
        {
            "agency": request.agency,
            "offer": offer,
            "advice_request": offer.request,
            "answer": answer,
            "form": form,
            "customer": offer.request.customer if offer.chosen else None,  # type: ignore[attr-defined]
        },
    )

"""Cheques, promissory notes and debit notes in the agency panel (S-6.7): the list with its
filters, a customer's new instrument, editing, and moving one to another state."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from crm.models import Instrument
from crm.money_forms import InstrumentFilter, InstrumentForm
from crm.selectors.customers import customers_live
from crm.selectors.money import instrument_get, instrument_list
from crm.services.money import (
    TRANSITIONS,
    instrument_create,
    instrument_transition,
    instrument_update,
)
from tenants.panel.base import panel_view

PAGE_SIZE = 50


@panel_view
def instrument_list_view(request) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)
    form = InstrumentFilter(params or None)
    filters = form.filters()
    page = Paginator(instrument_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/money/list.html",
        {
            "agency": request.agency,
            "page": page,
            "instruments": page.object_list,
            "form": form,
            "query": params.urlencode() if filters else "",
            "filtered": bool(filters and any(filters.values())),
            "transitions": TRANSITIONS,
        },
    )


@panel_view
def instrument_create_view(request, customer_id: int) -> HttpResponse:
    customer = customers_live().filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    form = InstrumentForm(request.POST or None, initial={"kind": Instrument.Kind.CHEQUE})
    if request.method == "POST" and form.is_valid():
        try:
            instrument_create(
                agency=request.agency, actor=request.user, customer=customer, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{_list_url()}?customer={customer.pk}")
    return render(
        request,
        "crm/money/form.html",
        {"agency": request.agency, "form": form, "customer": customer, "instrument": None},
    )


@panel_view
def instrument_edit_view(request, instrument_id: int) -> HttpResponse:
    instrument = instrument_get(instrument_id=instrument_id)
    if instrument is None:
        raise Http404
    form = InstrumentForm(request.POST or None, initial=InstrumentForm.initial_of(instrument))
    if request.method == "POST" and form.is_valid():
        try:
            instrument_update(
                agency=request.agency,
                actor=request.user,
                instrument=instrument,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{_list_url()}?customer={instrument.customer_id}")
    return render(
        request,
        "crm/money/form.html",
        {
            "agency": request.agency,
            "form": form,
            "customer": instrument.customer,
            "instrument": instrument,
            "transitions": TRANSITIONS,
        },
    )


@require_POST
@panel_view
def instrument_state_view(request, instrument_id: int) -> HttpResponse:
    instrument = instrument_get(instrument_id=instrument_id)
    if instrument is None:
        raise Http404
    try:
        instrument_transition(
            agency=request.agency,
            actor=request.user,
            instrument=instrument,
            state=request.POST.get("state", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect(_list_url())


def _list_url() -> str:
    from django.urls import reverse

    return reverse("panel-cheques:list")

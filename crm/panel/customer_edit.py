"""Creating and changing customers from the panel: the customer's own details, with the
duplicate offer on create (the card's small forms are in :mod:`crm.panel.card_forms`).
Every write goes through ``crm.services`` (audited with the member)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from crm.models import (
    Customer,
)
from crm.panel.customer_forms import (
    CustomerForm,
)
from crm.panel.customers import customer_or_404
from crm.phones import phone_or_none
from crm.services.contacts import PhoneInput
from crm.services.customers import (
    DETAIL_FIELDS,
    PossibleDuplicates,
    customer_create,
    customer_update,
)
from tenants.panel.base import panel_view


def card_redirect(customer: Customer, section: str = "") -> HttpResponse:
    url = reverse("panel-crm-customers:detail", kwargs={"customer_id": customer.pk})
    return redirect(f"{url}#card-{section}" if section else url)


@panel_view
def customer_new(request) -> HttpResponse:
    """A new (prospective) customer; ``?phone=`` prefills the number (from a caller lookup,
    which then becomes the customer's source)."""
    from_lookup = bool(request.GET.get("from_lookup") or request.POST.get("from_lookup"))
    candidates = []
    if request.method == "POST":
        form = CustomerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            phones: list[PhoneInput | str] = []
            if data.get("mobile"):
                phones.append(PhoneInput(number=data["mobile"], kind="mobile"))
            if data.get("phone"):
                phones.append(PhoneInput(number=data["phone"]))
            try:
                customer = customer_create(
                    agency=request.agency,
                    actor=request.user,
                    **form.details(),
                    phones=phones,
                    emails=[data["email"]] if data.get("email") else [],
                    groups=list(data.get("groups") or []),
                    sms_consent_source=data.get("sms_consent_source") or "",
                    source=Customer.Source.LOOKUP if from_lookup else Customer.Source.PANEL,
                    allow_duplicates=request.POST.get("create_anyway") == "1",
                )
            except PossibleDuplicates as found:
                candidates = found.candidates
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The customer was registered."))
                return card_redirect(customer)
    else:
        initial: dict[str, Any] = {"party": Customer.Party.PERSON}
        number = phone_or_none(request.GET.get("phone") or "")
        if number and number.startswith("09"):
            initial["mobile"] = number
        elif number:
            initial["phone"] = number
        form = CustomerForm(initial=initial)
    return render(
        request,
        "crm/customers/form.html",
        {
            "agency": request.agency,
            "form": form,
            "creating": True,
            "candidates": candidates,
            "from_lookup": from_lookup,
        },
    )


@panel_view
def customer_edit(request, customer_id: int) -> HttpResponse:
    customer = customer_or_404(customer_id)
    if request.method == "POST":
        form = CustomerForm(request.POST, creating=False)
        if form.is_valid():
            try:
                customer_update(
                    agency=request.agency, actor=request.user, customer=customer, **form.details()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The changes were saved."))
                return card_redirect(customer)
    else:
        form = CustomerForm(
            creating=False,
            # Region and marketer are choices by id.
            initial={
                name: getattr(customer, f"{name}_id" if name in ("region", "marketer") else name)
                for name in DETAIL_FIELDS
            },
        )
    return render(
        request,
        "crm/customers/form.html",
        {"agency": request.agency, "form": form, "creating": False, "customer": customer},
    )

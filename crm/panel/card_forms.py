"""The small forms of the customer card: phones, e-mails, addresses, related persons,
groups and SMS consent. Each posts to the customer's own URL; what to remove is posted as
``item`` and looked up among that customer's own rows only (404 otherwise). Every write goes
through ``crm.services`` (audited with the member)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.digits import to_latin_digits
from crm.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerGroup,
    CustomerPhone,
    CustomerRelation,
)
from crm.panel.customer_edit import card_redirect
from crm.panel.customer_forms import (
    AddressForm,
    ConsentForm,
    EmailForm,
    GroupForm,
    PhoneForm,
    RelationForm,
    form_error_text,
)
from crm.panel.customers import customer_or_404
from crm.selectors.customers import customers_by_phone, customers_live
from crm.services import contacts, relations
from crm.services.contacts import AddressInput, PhoneInput
from crm.services.customers import customer_sms_consent_set
from tenants.panel.base import panel_view


def _item(model: Any, customer: Customer, value: str | None) -> Any:
    """One of the customer's own phones, e-mails… by the id posted; 404 for anything else."""
    if not value or not value.isdigit():
        raise Http404
    row = model.objects.filter(pk=int(value), customer=customer).first()
    if row is None:
        raise Http404
    return row


def _card_form(
    request: Any,
    customer_id: int,
    *,
    section: str,
    form_class: type,
    add: Callable[[Customer, dict[str, Any]], None],
    remove: Callable[[Customer, str], None] | None = None,
) -> HttpResponse:
    """A small form of the card: ``action=remove`` with ``item`` removes, anything else adds;
    errors come back as a message on the card."""
    customer = customer_or_404(customer_id)
    try:
        if request.POST.get("action") == "remove" and remove is not None:
            remove(customer, request.POST.get("item") or "")
            messages.success(request, _("Removed."))
            return card_redirect(customer, section)
        form = form_class(request.POST)
        if form.is_valid():
            add(customer, form.cleaned_data)
            messages.success(request, _("Saved."))
        else:
            messages.error(request, form_error_text(form))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return card_redirect(customer, section)


@panel_view
@require_POST
def customer_phones(request, customer_id: int) -> HttpResponse:
    def add(customer: Customer, data: dict[str, Any]) -> None:
        contacts.customer_phone_add(
            agency=request.agency,
            actor=request.user,
            customer=customer,
            phone=PhoneInput(number=data["number"], kind=data.get("kind") or ""),
            primary=bool(data.get("primary")),
        )

    def remove(customer: Customer, item: str) -> None:
        phone = _item(CustomerPhone, customer, item)
        contacts.customer_phone_remove(agency=request.agency, actor=request.user, phone=phone)

    return _card_form(
        request, customer_id, section="contact-points", form_class=PhoneForm, add=add, remove=remove
    )


@panel_view
@require_POST
def customer_emails(request, customer_id: int) -> HttpResponse:
    def add(customer: Customer, data: dict[str, Any]) -> None:
        contacts.customer_email_add(
            agency=request.agency, actor=request.user, customer=customer, email=data["email"]
        )

    def remove(customer: Customer, item: str) -> None:
        email = _item(CustomerEmail, customer, item)
        contacts.customer_email_remove(agency=request.agency, actor=request.user, email=email)

    return _card_form(
        request, customer_id, section="contact-points", form_class=EmailForm, add=add, remove=remove
    )


@panel_view
@require_POST
def customer_addresses(request, customer_id: int) -> HttpResponse:
    def add(customer: Customer, data: dict[str, Any]) -> None:
        contacts.customer_address_add(
            agency=request.agency,
            actor=request.user,
            customer=customer,
            address=AddressInput(
                address=data["address"],
                kind=data["kind"],
                city=data.get("city") or "",
                postal_code=data.get("postal_code") or "",
            ),
        )

    def remove(customer: Customer, item: str) -> None:
        address = _item(CustomerAddress, customer, item)
        contacts.customer_address_remove(agency=request.agency, actor=request.user, address=address)

    return _card_form(
        request,
        customer_id,
        section="contact-points",
        form_class=AddressForm,
        add=add,
        remove=remove,
    )


def customer_by_phone_or_code(value: str) -> Customer:
    """The live customer holding this phone number or national code (exactly one)."""
    code = to_latin_digits(value).strip()
    found = list(customers_live().filter(national_code=code)[:2]) if code.isdigit() else []
    if not found:
        found = customers_by_phone(phone=value)[:2]
    if len(found) != 1:
        raise ValidationError(
            {
                "existing": [
                    _("No customer has this phone number or national code.")
                    if not found
                    else _("More than one customer has this phone number; use a national code.")
                ]
            }
        )
    return found[0]


@panel_view
@require_POST
def customer_relations(request, customer_id: int) -> HttpResponse:
    def add(customer: Customer, data: dict[str, Any]) -> None:
        related = customer_by_phone_or_code(data["existing"]) if data.get("existing") else None
        relations.customer_relation_add(
            agency=request.agency,
            actor=request.user,
            customer=customer,
            kind=data["kind"],
            related_customer=related,
            name="" if related else data.get("name") or "",
            mobile="" if related else data.get("mobile") or "",
        )

    def remove(customer: Customer, item: str) -> None:
        relation = _item(CustomerRelation, customer, item)
        relations.customer_relation_remove(
            agency=request.agency, actor=request.user, relation=relation
        )

    return _card_form(
        request, customer_id, section="relations", form_class=RelationForm, add=add, remove=remove
    )


@panel_view
@require_POST
def customer_groups(request, customer_id: int) -> HttpResponse:
    def add(customer: Customer, data: dict[str, Any]) -> None:
        group = data.get("group")
        if group is None:
            name = data["new_group"]
            group = CustomerGroup.objects.filter(name=name).first() or (
                relations.customer_group_create(
                    agency=request.agency, actor=request.user, name=name
                )
            )
        relations.customer_group_add(
            agency=request.agency, actor=request.user, customer=customer, group=group
        )

    def remove(customer: Customer, item: str) -> None:
        if not item.isdigit():
            raise Http404
        group = CustomerGroup.objects.filter(pk=int(item), customers=customer).first()
        if group is None:
            raise Http404
        relations.customer_group_remove(
            agency=request.agency, actor=request.user, customer=customer, group=group
        )

    return _card_form(
        request, customer_id, section="groups", form_class=GroupForm, add=add, remove=remove
    )


@panel_view
@require_POST
def customer_consent(request, customer_id: int) -> HttpResponse:
    def add(customer: Customer, data: dict[str, Any]) -> None:
        source = data.get("source") or ""
        customer_sms_consent_set(
            agency=request.agency,
            actor=request.user,
            customer=customer,
            consent=bool(source),
            source=source,
        )

    return _card_form(request, customer_id, section="details", form_class=ConsentForm, add=add)

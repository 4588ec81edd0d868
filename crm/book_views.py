"""The book in the agency panel (S-6.2), mounted at ``book/``: the list with its filters,
another insurer's policy added from a customer's card or changed, a policy sold here given
its delivery details and free fields, and the free fields' names (owners and managers)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from crm.book_forms import (
    BookFilterForm,
    DeliveryForm,
    FreeFieldNamesForm,
    OtherPolicyForm,
)
from crm.models import BookPolicy, CrmSettings, Customer
from crm.selectors.book import book_count, book_list, book_page, book_policy_get, free_fields
from crm.services.book import (
    LEDGER_UPDATABLE,
    book_free_fields_name,
    book_policy_update,
    other_policy_cancel,
    other_policy_create,
)
from policies.selectors import line_choices
from tenants.panel.base import panel_view

PAGE_SIZE = 50
# The customer's card belongs to the customers' part of the CRM (decision 027).
CARD_URL = "panel-crm-customers:detail"


def customer_card_url(customer_id: int) -> str:
    """The customer's card."""
    return reverse(CARD_URL, args=[customer_id])


@panel_view
def book_list_view(request) -> HttpResponse:
    lines = line_choices()
    form = BookFilterForm(request.GET or None, lines=lines)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "query": data["q"] or "",
            "origin": data["origin"],
            "line_code": data["line"],
            "state": data["state"],
            "insurer_code": data["insurer"],
            "expires_from": data["expires_from"],
            "expires_to": data["expires_to"],
        }
    # Pages after the last row shown, and a count that stops at a cap: the book holds
    # hundreds of thousands of policies.
    policies = book_list(**filters)
    page = book_page(policies, cursor=request.GET.get("after"), size=PAGE_SIZE)
    count, more = book_count(policies)
    query = urlencode([(k, v) for k, v in request.GET.items() if k not in ("page", "after") and v])
    return render(
        request,
        "crm/book/list.html",
        {
            "agency": request.agency,
            "form": form,
            "page": page,
            "count": count,
            "more": more,
            "query": query,
            "line_names": dict(lines),
            "insurers": dict(form.fields["insurer"].choices),  # type: ignore[attr-defined]
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _live_customer(customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None:
        raise Http404
    return customer


@panel_view
def book_add(request, customer_id: int) -> HttpResponse:
    """Another insurer's policy for a customer (reached from the customer's card)."""
    customer = _live_customer(customer_id)
    form = OtherPolicyForm(request.POST or None, customer=customer, free=free_fields())
    if request.method == "POST" and form.is_valid():
        try:
            other_policy_create(
                agency=request.agency, actor=request.user, customer=customer, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The policy was added to the book."))
            return redirect(customer_card_url(customer.pk))
    return render(
        request,
        "crm/book/form.html",
        {"agency": request.agency, "form": form, "customer": customer, "policy": None},
        status=400 if form.is_bound and form.errors else 200,
    )


def _policy_or_404(book_id: int) -> BookPolicy:
    policy = book_policy_get(policy_id=book_id)
    if policy is None:
        raise Http404
    return policy


def _initial(policy: BookPolicy, form_class: type[DeliveryForm]) -> dict:
    names = [*form_class.base_fields, "extra_1", "extra_2", "extra_3", "extra_4"]
    return {name: getattr(policy, name) for name in names if hasattr(policy, name)}


@panel_view
def book_edit(request, book_id: int) -> HttpResponse:
    """Another insurer's policy, whole; a policy sold here, its delivery and free fields."""
    policy = _policy_or_404(book_id)
    form_class: type[DeliveryForm] = (
        OtherPolicyForm if policy.origin == BookPolicy.Origin.OTHER else DeliveryForm
    )
    form = form_class(
        request.POST or None,
        initial=_initial(policy, form_class),
        customer=policy.customer,
        free=free_fields(),
    )
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if policy.origin == BookPolicy.Origin.LEDGER:
            fields = {key: value for key, value in fields.items() if key in LEDGER_UPDATABLE}
        try:
            book_policy_update(agency=request.agency, actor=request.user, policy=policy, **fields)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The policy was saved."))
            return redirect(customer_card_url(policy.customer_id))
    return render(
        request,
        "crm/book/form.html",
        {"agency": request.agency, "form": form, "customer": policy.customer, "policy": policy},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@panel_view
def book_cancel(request, book_id: int) -> HttpResponse:
    policy = _policy_or_404(book_id)
    try:
        other_policy_cancel(agency=request.agency, actor=request.user, policy=policy)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The policy was marked cancelled."))
    return redirect("crm-book:edit", policy.pk)


@panel_view(manage=True)
def book_settings(request) -> HttpResponse:
    """Names of the four free fields every policy of the book may carry."""
    current = CrmSettings.objects.get(pk=1)
    initial = {name: getattr(current, name) for name in FreeFieldNamesForm.base_fields}
    form = FreeFieldNamesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        book_free_fields_name(
            agency=request.agency,
            actor=request.user,
            labels=[form.cleaned_data[name] for name in FreeFieldNamesForm.base_fields],
        )
        messages.success(request, _("The names of the free fields were saved."))
        return redirect("crm-book:settings")
    return render(
        request,
        "crm/book/settings.html",
        {"agency": request.agency, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )

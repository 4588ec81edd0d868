"""The virtual branch (S-5.1, §9): the issuance queue, an order's page with issue / reject
and print, and the sales record. Only the insurer's own staff see any of it."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.forms import Form, IdentifierField, JalaliDateField
from core.keyset import keyset_page
from policies.forms import IssueForm, RejectForm
from policies.labels import SALES_EVENTS
from policies.models import Order
from policies.panel_views import (
    document_response,
    error_messages,
    policy_pdf_response,
)
from policies.selectors_issuance import (
    order_document_get_for_insurer,
    order_get_for_insurer,
    order_timeline,
    sales_events,
    virtual_branch_orders,
)
from policies.services.events import Origin
from policies.services.issuance import ISSUER_ROLES, issuer_kind, order_reject, policy_issue

VIEWER_ROLES = ("operator", "branch_manager", "admin")
QUEUE_PAGE_SIZE = 50
RECORD_PAGE_SIZE = 50


def ops_view(view):
    """Decorate a virtual-branch page: anonymous visitors log in first; anyone without an
    insurer role gets 404, as for any page they may not know about."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url=settings.LOGIN_URL)
        if not request.user.has_insurer_role(*VIEWER_ROLES):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


QUEUE_STATES = (Order.State.PAID, Order.State.REJECTED, Order.State.ISSUED)


@ops_view
def queue(request) -> HttpResponse:
    state = request.GET.get("state", Order.State.PAID)
    if state not in QUEUE_STATES:
        state = Order.State.PAID
    orders = virtual_branch_orders(state=state)
    # Every tab grows with the insurer's sales: a page after the last one shown (keyset),
    # never a count of them all nor an offset into them. The queue runs oldest payment
    # first; what was issued or rejected, newest first.
    paid = state == Order.State.PAID
    page = keyset_page(
        orders,
        field="paid_at" if paid else "closed_at",
        ascending=paid,
        cursor=request.GET.get("after"),
        size=QUEUE_PAGE_SIZE,
    )
    return render(
        request,
        "policies/ops/queue.html",
        {
            "page": page,
            "query": urlencode({"state": state}),
            "orders": page.rows,
            "state": state,
            "states": [(value, Order.State(value).label) for value in QUEUE_STATES],
        },
    )


def _order_or_404(order_id) -> Order:
    order = order_get_for_insurer(public_id=order_id)
    if order is None:
        raise Http404
    return order


def _policy_of(order: Order):
    try:
        return order.policy
    except Order.policy.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


def _order_context(request, order: Order) -> dict:
    can_act = (
        order.state == Order.State.PAID
        and request.user.has_insurer_role(*ISSUER_ROLES)
        and issuer_kind(user=request.user, order=order) == "virtual_branch"
    )
    return {
        "order": order,
        "policy": _policy_of(order),
        "documents": order.documents.all(),
        "payments": order.payments.all(),
        "timeline": order_timeline(order=order),
        "can_act": can_act,
        "agency_issues": order.agency is not None
        and order.agency.can_issue
        and order.agency.is_site_active,
    }


def _detail(request, order: Order, *, issue_form=None, reject_form=None) -> HttpResponse:
    failed = issue_form or reject_form
    context = _order_context(request, order)
    context["issue_form"] = issue_form or IssueForm()
    context["reject_form"] = reject_form or RejectForm()
    if failed and not context["can_act"]:
        context["action_errors"] = failed.non_field_errors()
    return render(request, "policies/ops/order_detail.html", context, status=400 if failed else 200)


@ops_view
def order_detail(request, order_id) -> HttpResponse:
    return _detail(request, _order_or_404(order_id))


@ops_view
def order_print(request, order_id) -> HttpResponse:
    return render(
        request, "policies/ops/order_print.html", _order_context(request, _order_or_404(order_id))
    )


@ops_view
def order_issue(request, order_id) -> HttpResponse:
    order = _order_or_404(order_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, issue_form=form)
    try:
        policy = policy_issue(
            order=order,
            actor=request.user,
            start_date=form.cleaned_data["start_date"],
            origin=Origin.of(request),
        )
    except ValidationError as error:
        for message in error_messages(error):
            form.add_error(None, message)
        # Shown as it is now: the refusal may come from someone else's change.
        return _detail(request, _order_or_404(order_id), issue_form=form)
    messages.success(request, _("Policy %(number)s was issued.") % {"number": policy.number})
    return redirect("ops:order", order_id=order.public_id)


@ops_view
def order_reject_view(request, order_id) -> HttpResponse:
    order = _order_or_404(order_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, order, reject_form=form)
    try:
        order_reject(
            order=order,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            origin=Origin.of(request),
        )
    except ValidationError as error:
        for message in error_messages(error):
            form.add_error(None, message)
        # Shown as it is now: the refusal may come from someone else's change.
        return _detail(request, _order_or_404(order_id), reject_form=form)
    messages.success(request, _("The order was rejected; the customer was told by SMS."))
    return redirect("ops:order", order_id=order.public_id)


@ops_view
def order_document(request, order_id, document_id: int) -> FileResponse:
    document = order_document_get_for_insurer(public_id=order_id, document_id=document_id)
    if document is None:
        raise Http404
    return document_response(document)


@ops_view
def order_policy_pdf(request, order_id) -> FileResponse:
    return policy_pdf_response(_policy_of(_order_or_404(order_id)))


class SalesRecordFilter(Form):
    event = forms.ChoiceField(label=_("Event"), required=False)
    agency = IdentifierField(label=_("Agency code"), required=False, max_length=10)
    order = IdentifierField(label=_("Order number"), required=False, max_length=20)
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every event the sale can record (the label registry), not a DISTINCT over the
        # millions of rows of the record.
        choices = [("", _("All")), *SALES_EVENTS.choices()]
        self.fields["event"].choices = choices  # type: ignore[attr-defined]

    def clean_agency(self) -> int | None:
        value = (self.cleaned_data["agency"] or "").lower().removeprefix("ar")
        if not value:
            return None
        if not value.isdigit():
            raise ValidationError(_("Enter the agency's number, e.g. 685."))
        return int(value)


@ops_view
def sales_record(request) -> HttpResponse:
    form = SalesRecordFilter(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "event": data["event"] or None,
            "agency_code": data["agency"],
            "order_number": data["order"] or None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    events = sales_events(**filters)
    if form.is_bound and not form.is_valid():
        events = events.none()
    # The record grows without end: a page after the last one shown, no count, no OFFSET.
    page = keyset_page(
        events, field="created_at", cursor=request.GET.get("after"), size=RECORD_PAGE_SIZE
    )
    query = {key: value for key, value in request.GET.items() if key != "after" and value}
    return render(
        request,
        "policies/ops/sales_record.html",
        {"form": form, "page": page, "events": page.rows, "query": urlencode(query)},
    )

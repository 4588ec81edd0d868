"""The agency panel's sales pages (S-2.5, S-4.2): the agency's orders, and issuing them
when it holds issuing rights. The agency comes from ``panel_view`` and nowhere else."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.keyset import keyset_page
from policies.forms import IssueForm, PanelOrderFilter, RejectForm
from policies.models import Order
from policies.selectors_issuance import (
    agency_order_document_get,
    agency_order_get,
    agency_orders,
    order_timeline,
)
from policies.services.events import Origin
from policies.services.issuance import order_reject, policy_issue
from tenants.panel.base import panel_view

PAGE_SIZE = 50


def error_messages(error: ValidationError) -> list[str]:
    """The messages of a service's refusal, whatever its shape."""
    if hasattr(error, "error_dict"):
        return [str(message) for messages_ in error.message_dict.values() for message in messages_]
    return [str(message) for message in error.messages]


def document_response(document: Any) -> FileResponse:
    """An uploaded document, shown in the browser (never as HTML: jpg, png or pdf only)."""
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def policy_pdf_response(policy: Any) -> FileResponse:
    if policy is None or not policy.pdf:
        raise Http404
    response = FileResponse(
        policy.pdf.open("rb"), content_type="application/pdf", filename=f"{policy.number}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _order_or_404(request, order_id) -> Order:
    order = agency_order_get(agency=request.agency, public_id=order_id)
    if order is None:
        raise Http404
    return order


def _policy_of(order: Order) -> Any:
    try:
        return order.policy
    except Order.policy.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        return None


@panel_view
def order_list(request) -> HttpResponse:
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("after", None)
    form = PanelOrderFilter(params or None)
    filters = form.filters()
    # A page starts after the last order shown (keyset, index order_agency_recent): the
    # 2,000th page of a big agency's orders costs what the first costs, and nothing is
    # counted.
    page = keyset_page(
        agency_orders(agency=request.agency, **filters),
        field="created_at",
        cursor=request.GET.get("after"),
        size=PAGE_SIZE,
    )
    return render(
        request,
        "policies/panel/order_list.html",
        {
            "agency": request.agency,
            "page": page,
            "orders": page.rows,
            "form": form,
            "query": params.urlencode() if filters else "",
            "filtered": bool(filters and any(filters.values())),
        },
    )


def _detail(request, order: Order, *, issue_form=None, reject_form=None) -> HttpResponse:
    failed = issue_form or reject_form
    can_act = request.agency.can_issue and order.state == Order.State.PAID
    return render(
        request,
        "policies/panel/order_detail.html",
        {
            "agency": request.agency,
            "order": order,
            "policy": _policy_of(order),
            "documents": order.documents.all(),
            "payments": order.payments.all(),
            "timeline": order_timeline(order=order),
            "can_act": can_act,
            "issue_form": issue_form or IssueForm(),
            "reject_form": reject_form or RejectForm(),
            "action_errors": failed.non_field_errors() if failed and not can_act else [],
        },
        status=400 if failed else 200,
    )


@panel_view
def order_detail(request, order_id) -> HttpResponse:
    return _detail(request, _order_or_404(request, order_id))


def _issuing_order(request, order_id) -> Order:
    """An order this agency may act on: its own, and only when it holds issuing rights."""
    order = _order_or_404(request, order_id)
    if not request.agency.can_issue:
        raise Http404
    return order


@panel_view
def order_issue(request, order_id) -> HttpResponse:
    order = _issuing_order(request, order_id)
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
        return _detail(request, _order_or_404(request, order_id), issue_form=form)
    messages.success(request, _("Policy %(number)s was issued.") % {"number": policy.number})
    return redirect("panel-sales:detail", order_id=order.public_id)


@panel_view
def order_reject_view(request, order_id) -> HttpResponse:
    order = _issuing_order(request, order_id)
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
        return _detail(request, _order_or_404(request, order_id), reject_form=form)
    messages.success(request, _("The order was rejected; the customer was told by SMS."))
    return redirect("panel-sales:detail", order_id=order.public_id)


@panel_view
def order_document(request, order_id, document_id: int) -> FileResponse:
    document = agency_order_document_get(
        agency=request.agency, public_id=order_id, document_id=document_id
    )
    if document is None:
        raise Http404
    return document_response(document)


@panel_view
def order_policy_pdf(request, order_id) -> FileResponse:
    return policy_pdf_response(_policy_of(_order_or_404(request, order_id)))

"""Complaints, claims and gifts in the agency panel (S-6.6). Complaints have their own list;
claims and gifts are reached from the customer's card (URLs taking the customer's id)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Conflict
from core.forms import add_service_errors
from crm.forms.cases import (
    ClaimForm,
    ComplaintForm,
    GiftBandForm,
    GiftForm,
    GiftGiveForm,
    GiftResponseForm,
    ReferForm,
    ResolveForm,
    ResultForm,
)
from crm.models import Complaint
from crm.panel_views.cases import PAGE_SIZE, form_saved, live_customer, refused
from crm.selectors import cases as selectors
from crm.selectors.names import user_names
from crm.services import care
from tenants.panel.base import panel_view


def _base(request: Any, **context: Any) -> dict[str, Any]:
    return {"agency": request.agency, "membership": request.membership, **context}


def _form_page(request: Any, form: Any, heading: str, **context: Any) -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "crm/cases/form.html",
        _base(request, form=form, heading=heading, **context),
        status=status,
    )


# ---- complaints -------------------------------------------------------------------------


@panel_view
def complaint_list(request: Any) -> HttpResponse:
    state = request.GET.get("state", "open")
    if state not in ("open", "", *Complaint.State.values):
        state = "open"
    page = Paginator(
        selectors.complaint_list(membership=request.membership, state=state), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = user_names(row.referred_to_user_id for row in rows)
    for row in rows:
        row.referred_to_name = names.get(  # type: ignore[attr-defined]
            row.referred_to_user_id or 0, ""
        )
    return render(
        request,
        "crm/cases/complaints.html",
        _base(
            request,
            page=page,
            complaints=rows,
            state=state,
            states=Complaint.State.choices,
            query=urlencode({"state": state}),
        ),
    )


def _complaint_or_404(request: Any, complaint_id: int) -> Complaint:
    complaint = selectors.complaint_get(membership=request.membership, complaint_id=complaint_id)
    if complaint is None:
        raise Http404
    return complaint


def _complaint_page(request: Any, complaint: Complaint, **forms: Any) -> HttpResponse:
    members = selectors.agency_members(agency=request.agency)
    return render(
        request,
        "crm/cases/complaint_detail.html",
        _base(
            request,
            complaint=complaint,
            referred_to_name=user_names([complaint.referred_to_user_id]).get(
                complaint.referred_to_user_id or 0, ""
            ),
            refer_form=forms.get("refer_form")
            or ReferForm(
                members=members,
                initial={"referred_to": str(complaint.referred_to_user_id or "")},
            ),
            result_form=forms.get("result_form")
            or ResultForm(initial={"result": complaint.result}),
            resolve_form=forms.get("resolve_form") or ResolveForm(),
            is_open=complaint.state in (Complaint.State.OPEN, Complaint.State.REFERRED),
        ),
        status=400 if forms else 200,
    )


@panel_view
def complaint_detail(request: Any, complaint_id: int) -> HttpResponse:
    return _complaint_page(request, _complaint_or_404(request, complaint_id))


@panel_view
def complaint_new(request: Any, customer_id: int) -> HttpResponse:
    customer = live_customer(customer_id)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = care.complaint_create(
                agency=request.agency,
                actor=request.user,
                customer=customer,
                subject=form.cleaned_data["subject"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The complaint was recorded."))
            return redirect("crm-cases:complaint", complaint.pk)
    return _form_page(request, form, _("New complaint"), customer=customer)


@require_POST
@panel_view(manage=True)
def complaint_refer(request: Any, complaint_id: int) -> HttpResponse:
    """Owners and managers refer a complaint to a member of staff."""
    complaint = _complaint_or_404(request, complaint_id)
    form = ReferForm(request.POST, members=selectors.agency_members(agency=request.agency))
    if not form.is_valid():
        return _complaint_page(request, complaint, refer_form=form)
    try:
        care.complaint_refer(
            agency=request.agency,
            actor=request.user,
            complaint=complaint,
            referred_to_user_id=form.cleaned_data["referred_to"],
        )
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The complaint was referred."))
    return redirect("crm-cases:complaint", complaint.pk)


@require_POST
@panel_view
def complaint_result(request: Any, complaint_id: int) -> HttpResponse:
    complaint = _complaint_or_404(request, complaint_id)
    form = ResultForm(request.POST)
    form.is_valid()
    try:
        care.complaint_record_result(
            agency=request.agency,
            actor=request.user,
            complaint=complaint,
            result=form.cleaned_data.get("result", ""),
        )
    except Conflict as error:
        refused(request, error)
    except ValidationError as error:
        add_service_errors(form, error)
        return _complaint_page(request, complaint, result_form=form)
    else:
        messages.success(request, _("The result was recorded."))
    return redirect("crm-cases:complaint", complaint.pk)


@require_POST
@panel_view
def complaint_resolve(request: Any, complaint_id: int) -> HttpResponse:
    complaint = _complaint_or_404(request, complaint_id)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _complaint_page(request, complaint, resolve_form=form)
    try:
        care.complaint_resolve(
            agency=request.agency,
            actor=request.user,
            complaint=complaint,
            result=form.cleaned_data["result"],
            upheld=form.cleaned_data["upheld"],
        )
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The complaint was closed."))
    return redirect("crm-cases:complaint", complaint.pk)


# ---- claims -----------------------------------------------------------------------------


def _claim_fields(form: ClaimForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields}


@panel_view
def claim_new(request: Any, customer_id: int) -> HttpResponse:
    customer = live_customer(customer_id)
    form = ClaimForm(request.POST or None, initial={"state": "filed"})
    if form_saved(
        request,
        form,
        lambda: care.claim_create(
            agency=request.agency, actor=request.user, customer=customer, **_claim_fields(form)
        ),
        done=_("The claim was recorded."),
    ):
        return redirect("crm-cases:claims", customer.pk)
    return _form_page(request, form, _("New claim"), customer=customer)


@panel_view
def claim_edit(request: Any, claim_id: int) -> HttpResponse:
    claim = selectors.claim_get(claim_id=claim_id)
    if claim is None:
        raise Http404
    initial = {name: getattr(claim, name) for name in ClaimForm.base_fields}
    form = ClaimForm(request.POST or None, initial=initial)
    if form_saved(
        request,
        form,
        lambda: care.claim_update(
            agency=request.agency, actor=request.user, claim=claim, **_claim_fields(form)
        ),
        done=_("The claim was saved."),
    ):
        return redirect("crm-cases:claims", claim.customer_id)
    return _form_page(request, form, _("Claim"), customer=claim.customer)


@panel_view
def claims_of_customer(request: Any, customer_id: int) -> HttpResponse:
    """The customer's claims and gifts, with the forms to add them (the card links here)."""
    customer = live_customer(customer_id)
    return render(
        request,
        "crm/cases/customer_care.html",
        _base(
            request,
            customer=customer,
            claims=list(customer.claims.all()),
            gifts=list(customer.gifts.all()),
        ),
    )


# ---- gifts ------------------------------------------------------------------------------


@panel_view
def gift_new(request: Any, customer_id: int) -> HttpResponse:
    customer = live_customer(customer_id)
    form = GiftForm(request.POST or None)
    if form_saved(
        request,
        form,
        lambda: care.gift_plan(
            agency=request.agency,
            actor=request.user,
            customer=customer,
            kind=form.cleaned_data["kind"],
            value=form.cleaned_data["value"],
            planned_for=form.cleaned_data["planned_for"],
        ),
        done=_("The gift was planned."),
    ):
        return redirect("crm-cases:claims", customer.pk)
    return _form_page(request, form, _("Plan a gift"), customer=customer)


@panel_view(manage=True)
def gift_plan_band(request: Any) -> HttpResponse:
    """Owners and managers plan one gift for every customer of a rank band."""
    form = GiftBandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = care.gift_plan_for_band(
                agency=request.agency,
                actor=request.user,
                band=form.cleaned_data["band"],
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                planned_for=form.cleaned_data["planned_for"],
                skip_given_since=form.cleaned_data["skip_given_since"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("A gift was planned for %(count)s customers.") % {"count": count}
            )
            return redirect("crm-cases:gift-plan")
    return _form_page(request, form, _("Plan gifts by rank"))


def _gift_or_404(gift_id: int) -> Any:
    gift = selectors.gift_get(gift_id=gift_id)
    if gift is None:
        raise Http404
    return gift


@require_POST
@panel_view
def gift_give(request: Any, gift_id: int) -> HttpResponse:
    gift = _gift_or_404(gift_id)
    form = GiftGiveForm(request.POST)
    form.is_valid()
    try:
        care.gift_give(
            agency=request.agency,
            actor=request.user,
            gift=gift,
            given_at=form.cleaned_data.get("given_at"),
        )
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The gift was recorded as given."))
    return redirect("crm-cases:claims", gift.customer_id)


@require_POST
@panel_view
def gift_cancel(request: Any, gift_id: int) -> HttpResponse:
    gift = _gift_or_404(gift_id)
    try:
        care.gift_cancel(agency=request.agency, actor=request.user, gift=gift)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The gift was cancelled."))
    return redirect("crm-cases:claims", gift.customer_id)


@panel_view
def gift_response(request: Any, gift_id: int) -> HttpResponse:
    gift = _gift_or_404(gift_id)
    form = GiftResponseForm(
        request.POST or None,
        initial={"response": gift.response, "note": gift.response_note},
    )
    if request.method == "POST" and form.is_valid():
        try:
            care.gift_record_response(
                agency=request.agency,
                actor=request.user,
                gift=gift,
                response=form.cleaned_data["response"],
                note=form.cleaned_data["note"],
            )
        except Conflict as error:
            refused(request, error)
            return redirect("crm-cases:claims", gift.customer_id)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The response was recorded."))
            return redirect("crm-cases:claims", gift.customer_id)
    return _form_page(request, form, _("Response to the gift"), customer=gift.customer)

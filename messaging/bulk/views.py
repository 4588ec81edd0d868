"""Bulk sends in the agency panel: the list (every member), a new send, its page with the
preview, scheduling and cancelling (owners and managers), and its progress (HTMX)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AgencyMembership
from core.forms import add_service_errors
from core.sms.credit import InsufficientSmsCredit, credit_balance
from core.sms.parts import sms_part_price
from messaging.bulk.forms import BulkForm, ScheduleForm
from messaging.bulk.models import BulkSend
from messaging.bulk.selectors import (
    bulk_get,
    bulk_list,
    bulk_progress,
    bulk_skips,
    skip_counts,
)
from messaging.bulk.services import (
    bulk_cancel,
    bulk_create,
    bulk_finish_if_sent,
    bulk_schedule,
)
from messaging.placeholders import body_to_written
from tenants.panel.base import panel_view

PAGE_SIZE = 30
SKIPS_PAGE_SIZE = 50


def _bulk_or_404(bulk_id: int) -> BulkSend:
    bulk = bulk_get(bulk_id=bulk_id)
    if bulk is None:
        raise Http404
    return bulk


@panel_view
def bulk_list_view(request) -> HttpResponse:
    page = Paginator(bulk_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/bulk/list.html",
        {
            "agency": request.agency,
            "page": page,
            "sends": page.object_list,
            "can_manage": request.membership.can_manage,
        },
    )


@panel_view(manage=True)
def bulk_create_view(request) -> HttpResponse:
    owner = request.membership.role == AgencyMembership.Role.OWNER
    form = BulkForm(
        request.POST or None,
        request.FILES or None,
        owner=owner,
        initial={"audience": BulkSend.Audience.UPLOAD},
    )
    if request.method == "POST" and form.is_valid():
        try:
            bulk = bulk_create(
                agency=request.agency, membership=request.membership, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            return redirect("panel-sms-bulk:detail", bulk_id=bulk.pk)
    return render(
        request,
        "messaging/bulk/form.html",
        {
            "agency": request.agency,
            "form": form,
            "price": sms_part_price(form["line"].value() or "promotional"),
        },
    )


@panel_view
def bulk_detail_view(request, bulk_id: int) -> HttpResponse:
    bulk = _bulk_or_404(bulk_id)
    skips = Paginator(bulk_skips(bulk=bulk), SKIPS_PAGE_SIZE).get_page(request.GET.get("page"))
    balance = credit_balance(request.agency.pk)
    return render(
        request,
        "messaging/bulk/detail.html",
        {
            "agency": request.agency,
            "bulk": bulk,
            "body": body_to_written(bulk.body),
            "skip_counts": skip_counts(bulk),
            "page": skips,
            "skips": skips.object_list,
            "balance": balance,
            "covered": bulk.cost <= balance,
            "schedule_form": ScheduleForm(),
            "can_manage": request.membership.can_manage,
            "progress": None
            if bulk.state == BulkSend.State.DRAFT
            else bulk_progress(agency_id=request.agency.pk, bulk=bulk),
        },
    )


@require_POST
@panel_view(manage=True)
def bulk_schedule_view(request, bulk_id: int) -> HttpResponse:
    bulk = _bulk_or_404(bulk_id)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(" ".join(map(str, errors)) for errors in form.errors.values())
        )
        return redirect("panel-sms-bulk:detail", bulk_id=bulk.pk)
    try:
        bulk_schedule(
            agency=request.agency,
            membership=request.membership,
            bulk=bulk,
            scheduled_at=form.cleaned_data["scheduled_at"],
        )
    except (ValidationError, InsufficientSmsCredit, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(
            request,
            _("Scheduled.") if form.cleaned_data["scheduled_at"] else _("Sending has started."),
        )
    return redirect("panel-sms-bulk:detail", bulk_id=bulk.pk)


@require_POST
@panel_view(manage=True)
def bulk_cancel_view(request, bulk_id: int) -> HttpResponse:
    bulk = _bulk_or_404(bulk_id)
    try:
        bulk_cancel(agency=request.agency, membership=request.membership, bulk=bulk)
    except (ValidationError, PermissionDenied) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(request, _("The bulk send was cancelled."))
    return redirect("panel-sms-bulk:detail", bulk_id=bulk.pk)


@panel_view
def bulk_progress_view(request, bulk_id: int) -> HttpResponse:
    """The progress fragment, polled by HTMX while the send is under way."""
    bulk = _bulk_or_404(bulk_id)
    finishing = bulk.state == BulkSend.State.SENDING and bulk.expanded
    if finishing and bulk_finish_if_sent(agency=request.agency, bulk_id=bulk.pk):
        bulk.refresh_from_db()
    return render(
        request,
        "messaging/bulk/_progress.html",
        {"bulk": bulk, "progress": bulk_progress(agency_id=request.agency.pk, bulk=bulk)},
    )

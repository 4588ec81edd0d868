"""The insurer's queue of cancellation requests (ops host, ``/cancellations/``): operators
approve (the policy ends, the refund is due) or reject with a reason; branch managers see."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import BRANCH_ROLES, insurer_view
from cancellations.forms import DecisionForm
from cancellations.models import CancellationRequest
from cancellations.selectors import cancellation_queue, cancellations_waiting
from cancellations.services import DECIDE_ROLES, cancellation_approve, cancellation_reject

PAGE_SIZE = 50


@insurer_view(roles=BRANCH_ROLES)
def queue(request) -> HttpResponse:
    state = request.GET.get("state", CancellationRequest.State.PENDING)
    page = Paginator(cancellation_queue(state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cancellations/ops/queue.html",
        {
            "page": page,
            "state": state,
            "states": CancellationRequest.State.choices,
            "waiting": cancellations_waiting(),
        },
    )


@insurer_view(roles=BRANCH_ROLES)
def detail(request, cancellation_id: int) -> HttpResponse:
    item = cancellation_queue().filter(pk=cancellation_id).first()
    if item is None:
        raise Http404
    return render(
        request,
        "cancellations/ops/detail.html",
        {
            "item": item,
            "form": DecisionForm(),
            "may_decide": request.user.has_insurer_role(*DECIDE_ROLES),
        },
    )


@require_POST
@insurer_view(roles=DECIDE_ROLES)
def decide(request, cancellation_id: int) -> HttpResponse:
    item = CancellationRequest.objects.filter(pk=cancellation_id).first()
    if item is None:
        raise Http404
    form = DecisionForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        if request.POST.get("decision") == "approve":
            cancellation_approve(request=item, actor=request.user)
            messages.success(request, _("Approved: the policy is cancelled and the refund is due."))
        else:
            cancellation_reject(request=item, actor=request.user, note=note)
            messages.success(request, _("Rejected."))
    except ValidationError as error:
        text = (
            " ".join(sum(error.message_dict.values(), []))
            if hasattr(error, "error_dict")
            else " ".join(error.messages)
        )
        messages.error(request, text)
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("ops-cancellations:detail", cancellation_id=item.pk)

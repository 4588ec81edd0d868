"""Support tickets on the ops host: the queues by category (filters: state, late, escalated,
assigned to me), and a ticket's page with the whole thread, internal notes included, where
the insurer's branch staff answer, ask, note, assign and close."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import BRANCH_ROLES, insurer_view
from accounts.models import User
from core.keyset import keyset_page
from support import selectors, services
from support.forms import AnswerForm, NoteForm, QueueFilterForm
from support.models import QUEUE_KEYS
from support.selectors import QueueFilter
from support.views_side import file_response

PAGE_SIZE = 50


@insurer_view(roles=BRANCH_ROLES)
def queue(request: Any) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = QueueFilter(
        category=data.get("category"),
        state=data.get("state") or "waiting_on_us",
        late=bool(data.get("late")),
        mine=bool(data.get("mine")),
        escalated=bool(data.get("escalated")),
    )
    now = timezone.now()
    # A page after the last one shown (keyset): no count of the queue, no OFFSET.
    page = keyset_page(
        selectors.ops_queue(user=request.user, filters=filters, now=now),
        keys=list(QUEUE_KEYS),
        ascending=True,
        cursor=request.GET.get("after"),
        size=PAGE_SIZE,
    )
    query = urlencode(
        {key: value for key, value in request.GET.items() if key not in ("page", "after") and value}
    )
    counts = selectors.queue_counts()
    queues = [
        {"category": category, "waiting": counts.get(category.pk, 0)}
        for category in selectors.categories()
    ]
    return render(
        request,
        "support/ops/queue.html",
        {
            "form": form,
            "page": page,
            "tickets": page.rows,
            "query": query,
            "queues": queues,
            "now": now,
        },
    )


def _ticket(ticket_id: int):
    ticket = selectors.ops_ticket_get(ticket_id=ticket_id)
    if ticket is None:
        raise Http404
    return ticket


@insurer_view(roles=BRANCH_ROLES)
def detail(request: Any, ticket_id: int) -> HttpResponse:
    ticket = _ticket(ticket_id)
    return render(
        request,
        "support/ops/detail.html",
        {
            "ticket": ticket,
            "thread": selectors.staff_thread(ticket=ticket),
            "loose_files": selectors.loose_files(ticket=ticket),
            "answer_form": AnswerForm(),
            "note_form": NoteForm(),
            "staff": selectors.branch_staff(),
            "now": timezone.now(),
        },
    )


def _done(request: Any, ticket_id: int, action, success: str) -> HttpResponse:
    try:
        action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
    else:
        messages.success(request, success)
    return redirect("ops-support:detail", ticket_id)


@require_POST
@insurer_view(roles=BRANCH_ROLES)
def answer(request: Any, ticket_id: int) -> HttpResponse:
    ticket = _ticket(ticket_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer."))
        return redirect("ops-support:detail", ticket_id)
    return _done(
        request,
        ticket_id,
        lambda: services.staff_answer(
            actor=request.user,
            ticket=ticket,
            body=form.cleaned_data["body"],
            ask=form.cleaned_data["ask"],
        ),
        _("The answer was sent; the customer is told by SMS."),
    )


@require_POST
@insurer_view(roles=BRANCH_ROLES)
def note(request: Any, ticket_id: int) -> HttpResponse:
    ticket = _ticket(ticket_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the note."))
        return redirect("ops-support:detail", ticket_id)
    return _done(
        request,
        ticket_id,
        lambda: services.staff_note(
            actor=request.user, ticket=ticket, body=form.cleaned_data["body"]
        ),
        _("The internal note was kept."),
    )


@require_POST
@insurer_view(roles=BRANCH_ROLES)
def assign(request: Any, ticket_id: int) -> HttpResponse:
    ticket = _ticket(ticket_id)
    raw = (request.POST.get("assignee") or "").strip()
    assignee = None
    if raw:
        assignee = User.objects.filter(pk=int(raw) if raw.isdigit() else 0).first()
        if assignee is None:
            messages.error(request, _("Choose a member of the insurer's branch."))
            return redirect("ops-support:detail", ticket_id)
    return _done(
        request,
        ticket_id,
        lambda: services.ticket_assign(actor=request.user, ticket=ticket, assignee=assignee),
        _("The assignment was saved."),
    )


@require_POST
@insurer_view(roles=BRANCH_ROLES)
def close(request: Any, ticket_id: int) -> HttpResponse:
    ticket = _ticket(ticket_id)
    return _done(
        request,
        ticket_id,
        lambda: services.staff_close(actor=request.user, ticket=ticket),
        _("The ticket was closed."),
    )


@insurer_view(roles=BRANCH_ROLES)
def file(request: Any, ticket_id: int, ticket_attachment_id: int) -> FileResponse:
    return file_response(
        selectors.staff_attachment_get(ticket_id=ticket_id, attachment_id=ticket_attachment_id)
    )

"""The ticket pages of the side that asks: a customer on the storefront (main and agency
sites, at ``support/``) and an agency's members in the panel (``support/``). The same pages,
each side with its own edge: ``login_required`` and the customer's own tickets, or
``panel_view`` and the agency's tickets (shared by its members)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from support import selectors, services
from support.forms import ReplyForm, TicketForm
from support.models import Attachment, Ticket
from support.services import Party
from tenants.panel.base import panel_view

PAGE_SIZE = 20


@dataclass(frozen=True)
class Side:
    namespace: str
    base_template: str
    party: Callable[[Any], Party]
    tickets: Callable[[Any], Any]
    ticket_get: Callable[[Any, int], Ticket | None]
    attachment_get: Callable[[Any, int], Attachment | None]
    site_agency_id: Callable[[Any], int | None]

    def urls(self) -> dict[str, str]:
        return {
            name: f"{self.namespace}:{name}" for name in ("list", "new", "detail", "close", "file")
        }


CUSTOMER = Side(
    namespace="support",
    base_template="base.html",
    party=lambda request: Party.customer(request.user),
    tickets=lambda request: selectors.customer_tickets(user=request.user),
    ticket_get=lambda request, ticket_id: selectors.customer_ticket_get(
        user=request.user, ticket_id=ticket_id
    ),
    attachment_get=lambda request, attachment_id: selectors.customer_attachment_get(
        user=request.user, attachment_id=attachment_id
    ),
    site_agency_id=lambda request: getattr(getattr(request, "agency", None), "pk", None),
)
AGENCY = Side(
    namespace="panel-support",
    base_template="tenants/panel/base.html",
    party=lambda request: Party.of_agency(agency=request.agency, user=request.user),
    tickets=lambda request: selectors.agency_tickets(agency=request.agency),
    ticket_get=lambda request, ticket_id: selectors.agency_ticket_get(
        agency=request.agency, ticket_id=ticket_id
    ),
    attachment_get=lambda request, attachment_id: selectors.agency_attachment_get(
        agency=request.agency, attachment_id=attachment_id
    ),
    site_agency_id=lambda request: None,
)


def _context(side: Side, **extra: Any) -> dict[str, Any]:
    return {
        "base_template": side.base_template,
        "urls": side.urls(),
        "side": side.namespace,
        **extra,
    }


def _files(form: Any) -> list[Any]:
    uploaded = form.cleaned_data.get("file")
    return [uploaded] if uploaded else []


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(
                field if field in form.fields else ("file" if field == "files" else None), errors
            )
    else:
        form.add_error(None, error)


def ticket_list(side: Side, request: Any) -> HttpResponse:
    page = Paginator(side.tickets(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "support/side/list.html", _context(side, page=page))


def ticket_new(side: Side, request: Any) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket = services.ticket_open(
                    party=side.party(request),
                    category=form.cleaned_data["category"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    files=_files(form),
                    site_agency_id=side.site_agency_id(request),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Your ticket was sent to the insurer."))
                return redirect(side.urls()["detail"], ticket.pk)
        status = 400
    else:
        form = TicketForm()
    return render(request, "support/side/new.html", _context(side, form=form), status=status)


def ticket_detail(side: Side, request: Any, ticket_id: int) -> HttpResponse:
    ticket = side.ticket_get(request, ticket_id)
    if ticket is None:
        raise Http404
    status = 200
    form = ReplyForm()
    if request.method == "POST":
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.ticket_reply(
                    party=side.party(request),
                    ticket=ticket,
                    body=form.cleaned_data["body"],
                    files=_files(form),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Your reply was sent."))
                return redirect(side.urls()["detail"], ticket.pk)
        status = 400
    return render(
        request,
        "support/side/detail.html",
        _context(
            side,
            ticket=ticket,
            thread=selectors.public_thread(ticket=ticket),
            loose_files=selectors.loose_files(ticket=ticket),
            form=form,
        ),
        status=status,
    )


def ticket_close(side: Side, request: Any, ticket_id: int) -> HttpResponse:
    ticket = side.ticket_get(request, ticket_id)
    if ticket is None:
        raise Http404
    try:
        services.ticket_close(party=side.party(request), ticket=ticket)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The ticket was closed."))
    return redirect(side.urls()["detail"], ticket.pk)


def file_response(attachment: Attachment | None) -> FileResponse:
    """A private file (decision 018), to whoever the caller found may see it."""
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=attachment.content_type, filename=attachment.original_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def ticket_file(
    side: Side, request: Any, ticket_id: int, ticket_attachment_id: int
) -> FileResponse:
    attachment = side.attachment_get(request, ticket_attachment_id)
    if attachment is not None and attachment.ticket_id != ticket_id:
        attachment = None
    return file_response(attachment)


# ---- the customer's pages (storefront) ---------------------------------------------------


@login_required
def customer_list(request):
    return ticket_list(CUSTOMER, request)


@login_required
def customer_new(request):
    return ticket_new(CUSTOMER, request)


@login_required
def customer_detail(request, ticket_id: int):
    return ticket_detail(CUSTOMER, request, ticket_id)


@require_POST
@login_required
def customer_close(request, ticket_id: int):
    return ticket_close(CUSTOMER, request, ticket_id)


@login_required
def customer_file(request, ticket_id: int, ticket_attachment_id: int):
    return ticket_file(CUSTOMER, request, ticket_id, ticket_attachment_id)


# ---- the agency's pages (panel) -----------------------------------------------------------


@panel_view
def agency_list(request):
    return ticket_list(AGENCY, request)


@panel_view
def agency_new(request):
    return ticket_new(AGENCY, request)


@panel_view
def agency_detail(request, ticket_id: int):
    return ticket_detail(AGENCY, request, ticket_id)


@require_POST
@panel_view
def agency_close(request, ticket_id: int):
    return ticket_close(AGENCY, request, ticket_id)


@panel_view
def agency_file(request, ticket_id: int, ticket_attachment_id: int):
    return ticket_file(AGENCY, request, ticket_id, ticket_attachment_id)

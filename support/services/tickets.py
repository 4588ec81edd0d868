"""Tickets from the customer's and the agency's side, and what every write shares: the
allowed moves, the checks of text and files, the lock (decision 051)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import BRANCH_ROLES
from core.audit import audit_record
from core.errors import Conflict
from core.text import normalize_text
from core.uploads import CleanFile
from policies.services.orders import document_check
from support.models import Attachment, Category, Message, Ticket
from support.sla import add_working_hours
from tenants.models import Agency
from tenants.services import agency_require_active

State = Ticket.State
# The only moves a ticket's state makes (from, to); anything else is refused.
ALLOWED_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (State.NEW, State.OPEN),  # assigned to an operator
        (State.NEW, State.WAITING),  # the insurer asks a question
        (State.NEW, State.ANSWERED),  # the insurer answers
        (State.NEW, State.CLOSED),
        (State.OPEN, State.WAITING),
        (State.OPEN, State.ANSWERED),
        (State.OPEN, State.CLOSED),
        (State.WAITING, State.OPEN),  # the customer or agency replies
        (State.WAITING, State.ANSWERED),
        (State.WAITING, State.CLOSED),
        (State.ANSWERED, State.OPEN),  # a reply after the answer: back with the insurer
        (State.ANSWERED, State.WAITING),
        (State.ANSWERED, State.CLOSED),
        (State.CLOSED, State.OPEN),  # a reply reopens a closed ticket
    }
)
SUBJECT_MAX = 200
BODY_MAX = 5000
# Files one ticket may hold, and files one message may bring.
MAX_ATTACHMENTS = 10
MAX_FILES_AT_ONCE = 3
SMS_KIND_ANSWER = "support_answer"
SMS_KIND_ESCALATION = "support_escalation"
ESCALATION_BATCH = 500


class TicketClosed(Conflict):
    def __init__(self) -> None:
        super().__init__(_("This ticket is closed."), code="ticket_closed")


class MoveNotAllowed(Conflict):
    def __init__(self) -> None:
        super().__init__(
            _("This ticket cannot go to that state from where it is."), code="ticket_state"
        )


@dataclass(frozen=True)
class Party:
    """Who writes from outside the insurer: a customer (their own tickets) or a member of an
    agency (the agency's tickets, shared by all its members)."""

    side: str
    user: Any
    agency: Agency | None = None

    @classmethod
    def customer(cls, user: Any) -> Party:
        return cls(side=Ticket.Side.CUSTOMER, user=user)

    @classmethod
    def of_agency(cls, *, agency: Agency, user: Any) -> Party:
        return cls(side=Ticket.Side.AGENCY, user=user, agency=agency)

    @property
    def author_side(self) -> str:
        return Message.Author.AGENCY if self.side == Ticket.Side.AGENCY else Message.Author.CUSTOMER

    def owns(self, ticket: Ticket) -> bool:
        if self.side == Ticket.Side.AGENCY:
            return ticket.side == Ticket.Side.AGENCY and ticket.agency_id == getattr(
                self.agency, "pk", None
            )
        return ticket.side == Ticket.Side.CUSTOMER and ticket.customer_id == self.user.pk

    def require_active(self) -> None:
        """Inside the transaction: an agency acts only while active (decision 015)."""
        if self.agency is not None:
            agency_require_active(agency_id=self.agency.pk)


def _staff_required(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_insurer_role(*BRANCH_ROLES):
        raise PermissionDenied(_("Only the insurer's branch staff work on tickets."))


def _text(value: str, *, field: str, limit: int, multiline: bool, empty: str) -> str:
    text = normalize_text(value or "", multiline=multiline)
    if not text:
        raise ValidationError({field: [empty]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("Write at most %(limit)s characters.") % {"limit": limit}]}
        )
    return text


def _body(value: str) -> str:
    return _text(
        value, field="body", limit=BODY_MAX, multiline=True, empty=_("Write your message.")
    )


def _checked_files(files: Sequence[UploadedFile]) -> list[tuple[CleanFile, str]]:
    """Each file checked by its content and size (as order documents are), before anything
    is written; a refused file refuses the whole request with its Persian reason."""
    if len(files) > MAX_FILES_AT_ONCE:
        raise ValidationError(
            {"files": [_("Attach at most %(count)s files at once.") % {"count": MAX_FILES_AT_ONCE}]}
        )
    checked = []
    for uploaded in files:
        try:
            checked.append((document_check(uploaded=uploaded), uploaded.name or "file"))
        except ValidationError as error:
            raise ValidationError({"files": error.messages}) from error
    return checked


def _store_files(
    *, ticket: Ticket, message: Message | None, files: list[tuple[CleanFile, str]], actor: Any
) -> list[Attachment]:
    if ticket.attachments.count() + len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"files": [_("A ticket holds at most %(count)s files.") % {"count": MAX_ATTACHMENTS}]}
        )
    stored = []
    for clean, name in files:
        stem = name.rsplit(".", 1)[0][:80] or "file"
        stored.append(
            Attachment.objects.create(
                ticket=ticket,
                message=message,
                file=clean.as_file("file"),
                content_type=clean.content_type,
                size=clean.size,
                original_name=f"{stem}.{clean.extension}",
                uploaded_by=actor,
            )
        )
    return stored


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _due(start: dt.datetime, category: Category) -> dt.datetime:
    return add_working_hours(start, category.sla_hours)


def _move(locked: Ticket, to: str, *, now: dt.datetime) -> tuple[str, str]:
    """Apply an allowed move to a locked ticket (not saved): its due time runs while the
    insurer owes an answer and stops otherwise."""
    old = locked.state
    if (old, to) not in ALLOWED_MOVES:
        raise MoveNotAllowed()
    locked.state = to
    if to in Ticket.WITH_INSURER and old not in Ticket.WITH_INSURER:
        locked.due_at = _due(now, locked.category)
        locked.escalated_at = None
        locked.escalated_to = None
        locked.closed_at = None
    elif to not in Ticket.WITH_INSURER:
        locked.due_at = None
    if to == State.CLOSED:
        locked.closed_at = now
    return old, to


# ---- the customer's and the agency's side -----------------------------------------------


def ticket_open(
    *,
    party: Party,
    category: Category,
    subject: str,
    body: str,
    files: Sequence[UploadedFile] = (),
    site_agency_id: int | None = None,
) -> Ticket:
    """Open a ticket to the insurer (customer or agency member). Its answer is due after the
    category's working hours (Fridays and holidays skipped)."""
    if not category.is_active:
        raise ValidationError({"category": [_("Choose a category.")]})
    subject = _text(
        subject, field="subject", limit=SUBJECT_MAX, multiline=False, empty=_("Write a subject.")
    )
    body = _body(body)
    checked = _checked_files(files)
    now = timezone.now()
    with transaction.atomic():
        party.require_active()
        ticket = Ticket.objects.create(
            side=party.side,
            customer=party.user if party.side == Ticket.Side.CUSTOMER else None,
            agency=party.agency,
            site_agency_id=site_agency_id if party.side == Ticket.Side.CUSTOMER else None,
            opened_by=party.user,
            category=category,
            subject=subject,
            due_at=_due(now, category),
        )
        message = Message.objects.create(
            ticket=ticket, author_side=party.author_side, author=party.user, body=body
        )
        _store_files(ticket=ticket, message=message, files=checked, actor=party.user)
        audit_record(
            actor=party.user,
            action="support_ticket.opened",
            target=ticket,
            agency_id=party.agency.pk if party.agency else None,
            changes={
                "state": (None, ticket.state),
                "category": (None, category.code),
                "due_at": (None, ticket.due_at.isoformat() if ticket.due_at else None),
            },
        )
    return ticket


def ticket_reply(
    *, party: Party, ticket: Ticket, body: str, files: Sequence[UploadedFile] = ()
) -> Message:
    """The customer or agency writes on their ticket. After an answer, a question or a close
    the ticket goes back to the insurer with a fresh due time."""
    if not party.owns(ticket):
        raise PermissionDenied
    body = _body(body)
    checked = _checked_files(files)
    now = timezone.now()
    with transaction.atomic():
        party.require_active()
        locked = _locked(ticket)
        changes: dict[str, tuple[Any, Any]] = {}
        if locked.state not in Ticket.WITH_INSURER:
            changes["state"] = _move(locked, State.OPEN, now=now)
        locked.save()
        message = Message.objects.create(
            ticket=locked, author_side=party.author_side, author=party.user, body=body
        )
        _store_files(ticket=locked, message=message, files=checked, actor=party.user)
        audit_record(
            actor=party.user,
            action="support_ticket.reopened" if changes else "support_ticket.replied",
            target=locked,
            agency_id=party.agency.pk if party.agency else None,
            changes=changes,
        )
    return message


def ticket_attach(*, party: Party, ticket: Ticket, uploaded: UploadedFile) -> Attachment:
    """Add one file to an open ticket (the API's upload)."""
    if not party.owns(ticket):
        raise PermissionDenied
    checked = _checked_files([uploaded])
    with transaction.atomic():
        party.require_active()
        locked = _locked(ticket)
        if locked.is_closed:
            raise TicketClosed()
        (attachment,) = _store_files(ticket=locked, message=None, files=checked, actor=party.user)
        locked.save(update_fields=["updated_at"])
        audit_record(
            actor=party.user,
            action="support_ticket.file_added",
            target=locked,
            agency_id=party.agency.pk if party.agency else None,
            changes={"file": (None, attachment.original_name)},
        )
    return attachment


def ticket_close(*, party: Party, ticket: Ticket) -> Ticket:
    """The customer or agency closes their ticket (closing a closed one changes nothing)."""
    if not party.owns(ticket):
        raise PermissionDenied
    with transaction.atomic():
        party.require_active()
        locked = _locked(ticket)
        if locked.is_closed:
            return locked
        changes = {"state": _move(locked, State.CLOSED, now=timezone.now())}
        locked.save()
        audit_record(
            actor=party.user,
            action="support_ticket.closed",
            target=locked,
            agency_id=party.agency.pk if party.agency else None,
            changes=changes,
        )
    return locked

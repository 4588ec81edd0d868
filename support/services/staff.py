"""The insurer's staff on a ticket: answers and questions, internal notes, assignment,
closing (decision 051)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.decorators import BRANCH_ROLES
from core.audit import audit_record
from core.queue import enqueue_on_commit
from support.models import Message, Ticket
from support.services.tickets import State, TicketClosed, _body, _locked, _move, _staff_required

# ---- the insurer's staff ----------------------------------------------------------------


def staff_answer(*, actor: Any, ticket: Ticket, body: str, ask: bool = False) -> Message:
    """A public answer (``ask``: a question back, waiting for the customer's reply). The
    customer or agency is told by SMS and e-mail once the answer is committed."""
    _staff_required(actor)
    body = _body(body)
    with transaction.atomic():
        locked = _locked(ticket)
        target = State.WAITING if ask else State.ANSWERED
        changes: dict[str, tuple[Any, Any]] = {}
        if locked.state != target:
            changes["state"] = _move(locked, target, now=timezone.now())
        if locked.assignee_id is None:
            changes["assignee"] = (None, actor.pk)
            locked.assignee = actor
        locked.save()
        message = Message.objects.create(
            ticket=locked, author_side=Message.Author.STAFF, author=actor, body=body
        )
        audit_record(
            actor=actor,
            action="support_ticket.asked" if ask else "support_ticket.answered",
            target=locked,
            agency_id=locked.agency_id,
            changes=changes,
        )
        from support.tasks import support_answer_notify

        enqueue_on_commit(support_answer_notify, message_id=message.pk)
    return message


def staff_note(*, actor: Any, ticket: Ticket, body: str) -> Message:
    """An internal note: for the insurer's staff only, changes no state, tells nobody."""
    _staff_required(actor)
    body = _body(body)
    with transaction.atomic():
        locked = _locked(ticket)
        message = Message.objects.create(
            ticket=locked, author_side=Message.Author.STAFF, author=actor, body=body, internal=True
        )
        audit_record(
            actor=actor, action="support_ticket.noted", target=locked, agency_id=locked.agency_id
        )
    return message


def ticket_assign(*, actor: Any, ticket: Ticket, assignee: Any) -> Ticket:
    """Give a ticket to a member of the insurer's branch; a new ticket becomes open."""
    _staff_required(actor)
    if assignee is not None and not assignee.has_insurer_role(*BRANCH_ROLES):
        raise ValidationError({"assignee": [_("Choose a member of the insurer's branch.")]})
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.is_closed:
            raise TicketClosed()
        changes: dict[str, tuple[Any, Any]] = {}
        new_id = assignee.pk if assignee is not None else None
        if locked.assignee_id != new_id:
            changes["assignee"] = (locked.assignee_id, new_id)
            locked.assignee = assignee
        if assignee is not None and locked.state == State.NEW:
            changes["state"] = _move(locked, State.OPEN, now=timezone.now())
        if changes:
            locked.save()
            audit_record(
                actor=actor,
                action="support_ticket.assigned",
                target=locked,
                agency_id=locked.agency_id,
                changes=changes,
            )
    return locked


def staff_close(*, actor: Any, ticket: Ticket) -> Ticket:
    """The insurer closes a ticket (closing a closed one changes nothing)."""
    _staff_required(actor)
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.is_closed:
            return locked
        changes = {"state": _move(locked, State.CLOSED, now=timezone.now())}
        locked.save()
        audit_record(
            actor=actor,
            action="support_ticket.closed",
            target=locked,
            agency_id=locked.agency_id,
            changes=changes,
        )
    return locked

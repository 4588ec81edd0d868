"""Every write of support tickets (decision 051): opening, replying, closing by the customer
or agency; answering, internal notes, assignment and closing by insurer staff; escalation of
late tickets and the notices of answers.

Each write is one transaction that locks the ticket (``select_for_update``), checks the move
against ``ALLOWED_MOVES``, and leaves an audit row with its actor. A service in which an
agency acts re-reads the agency's status under a lock (decision 015). SMS and e-mail go out
after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.decorators import BRANCH_ROLES
from core.audit import audit_record
from core.digits import to_persian_digits
from core.errors import Conflict
from core.queue import enqueue_on_commit
from core.sms.services import sms_queue
from core.text import normalize_text
from core.uploads import CleanFile
from policies.services.orders import document_check
from support.models import Attachment, Category, Message, Ticket
from support.sla import add_working_hours
from tenants.models import Agency
from tenants.services import agency_require_active

logger = logging.getLogger(__name__)

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


# ---- escalation and notices (tasks) ------------------------------------------------------


def _mail_on_commit(*, to: list[str], subject: str, body: str) -> None:
    recipients = [address for address in to if address]
    if recipients:
        transaction.on_commit(
            partial(
                send_mail,
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=True,
            )
        )


def tickets_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Escalate every ticket the insurer owes an answer to past its due time: urgent, in the
    queue manager's hands, audited, and its operator (or else the manager) texted and
    e-mailed. A ticket is escalated once per wait (a run repeated or overlapping finds it
    done, or locked by the other run, and skips it)."""
    now = now or timezone.now()
    escalated = 0
    candidates = list(
        Ticket.objects.filter(
            state__in=Ticket.WITH_INSURER, escalated_at__isnull=True, due_at__lt=now
        )
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:ESCALATION_BATCH]
    )
    for ticket_id in candidates:
        with transaction.atomic():
            locked = (
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("category__manager", "assignee")
                .filter(
                    pk=ticket_id,
                    state__in=Ticket.WITH_INSURER,
                    escalated_at__isnull=True,
                    due_at__lt=now,
                )
                .first()
            )
            if locked is None:
                continue
            manager = locked.category.manager
            changes = {
                "escalated_at": (None, now.isoformat()),
                "priority": (locked.priority, Ticket.Priority.URGENT),
                "escalated_to": (None, manager.pk if manager else None),
            }
            locked.escalated_at = now
            locked.priority = Ticket.Priority.URGENT
            locked.escalated_to = manager
            locked.save(update_fields=["escalated_at", "priority", "escalated_to", "updated_at"])
            audit_record(
                actor=None,
                actor_label="support",
                action="support_ticket.escalated",
                target=locked,
                agency_id=locked.agency_id,
                changes=changes,
            )
            _escalation_notices(locked)
            escalated += 1
    return escalated


def _escalation_notices(ticket: Ticket) -> None:
    manager = ticket.category.manager
    person = ticket.assignee or manager
    with translation.override("fa"):
        text = _("Ticket %(number)s (%(category)s) is late and was escalated: %(subject)s") % {
            "number": to_persian_digits(str(ticket.pk)),
            "category": ticket.category.name,
            "subject": ticket.subject[:60],
        }
    if person is not None and person.mobile:
        sms_queue(to=person.mobile, body=text, kind=SMS_KIND_ESCALATION)
    addresses = {getattr(person, "email", ""), getattr(manager, "email", "")}
    _mail_on_commit(to=sorted(a for a in addresses if a), subject=text, body=text)


def answer_notify(*, message_id: int) -> bool:
    """Tell the customer or agency of a public answer, once: the message is claimed with a
    conditional update in the transaction that queues the SMS, so a repeated task sends
    nothing. The e-mail goes once that transaction commits."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Message.objects.filter(
            pk=message_id,
            notified_at__isnull=True,
            internal=False,
            author_side=Message.Author.STAFF,
        ).update(notified_at=now)
        if not claimed:
            return False
        message = Message.objects.select_related("ticket__customer", "ticket__opened_by").get(
            pk=message_id
        )
        ticket = message.ticket
        person = ticket.customer or ticket.opened_by
        with translation.override("fa"):
            text = _(
                "The insurer answered your support ticket %(number)s (%(subject)s). "
                "See it in your account."
            ) % {"number": to_persian_digits(str(ticket.pk)), "subject": ticket.subject[:40]}
        if person.mobile:
            sms_queue(to=person.mobile, body=text, kind=SMS_KIND_ANSWER, agency_id=ticket.agency_id)
        _mail_on_commit(to=[person.email], subject=text, body=f"{text}\n\n{message.body}")
    return True


# An answer's notice is normally claimed within seconds of its commit; one still unclaimed
# after this long was never handed to a worker (the broker was down).
NOTICE_STRANDED_AFTER = dt.timedelta(minutes=2)
NOTICE_STRANDED_WITHIN = dt.timedelta(days=2)


def answer_notices_resume(*, now: dt.datetime | None = None) -> int:
    """Send the notices of answers that no task took (each is still claimed once)."""
    now = now or timezone.now()
    waiting = list(
        Message.objects.filter(
            author_side=Message.Author.STAFF,
            internal=False,
            notified_at__isnull=True,
            created_at__lt=now - NOTICE_STRANDED_AFTER,
            created_at__gte=now - NOTICE_STRANDED_WITHIN,
        )
        .order_by("id")
        .values_list("pk", flat=True)[:ESCALATION_BATCH]
    )
    return sum(1 for message_id in waiting if answer_notify(message_id=message_id))

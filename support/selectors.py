"""Reads of support tickets: the only place where whose tickets are whose is written.

A customer sees the tickets they opened as a customer; an agency's members see the tickets
of their agency (shared by every member); insurer staff see everything. Internal notes are
read only by ``staff_thread``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.decorators import BRANCH_ROLES
from accounts.models import User
from support.models import QUEUE_KEYS, Attachment, Category, Message, QueueWaiting, Ticket
from tenants.models import Agency


def customer_tickets(*, user: Any) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(side=Ticket.Side.CUSTOMER, customer_id=user.pk)
        .select_related("category")
        .order_by("-created_at", "-id")
    )


def agency_tickets(*, agency: Agency) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(side=Ticket.Side.AGENCY, agency_id=agency.pk)
        .select_related("category", "opened_by")
        .order_by("-created_at", "-id")
    )


def customer_ticket_get(*, user: Any, ticket_id: int) -> Ticket | None:
    return customer_tickets(user=user).filter(pk=ticket_id).first()


def agency_ticket_get(*, agency: Agency, ticket_id: int) -> Ticket | None:
    return agency_tickets(agency=agency).filter(pk=ticket_id).first()


def public_thread(*, ticket: Ticket) -> list[Message]:
    """The conversation the customer or agency sees: never an internal note."""
    return list(
        Message.objects.filter(ticket=ticket, internal=False)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def staff_thread(*, ticket: Ticket) -> list[Message]:
    """The whole conversation with the internal notes, for insurer staff."""
    return list(
        Message.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def loose_files(*, ticket: Ticket) -> list[Attachment]:
    """Files added to the ticket on their own (the API's upload), not with a message."""
    return list(ticket.attachments.filter(message__isnull=True).order_by("uploaded_at", "id"))


def customer_attachment_get(*, user: Any, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(
        pk=attachment_id, ticket__side=Ticket.Side.CUSTOMER, ticket__customer_id=user.pk
    ).first()


def agency_attachment_get(*, agency: Agency, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(
        pk=attachment_id, ticket__side=Ticket.Side.AGENCY, ticket__agency_id=agency.pk
    ).first()


def staff_attachment_get(*, ticket_id: int, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(pk=attachment_id, ticket_id=ticket_id).first()


def categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("position", "id"))


# ---- the insurer's queues ----------------------------------------------------------------

QUEUE_STATES = ("waiting_on_us", "new", "open", "waiting", "answered", "closed", "all")


@dataclass(frozen=True)
class QueueFilter:
    category: Category | None = None
    state: str = "waiting_on_us"  # new or open: the insurer owes an answer
    late: bool = False
    mine: bool = False
    escalated: bool = False


def ops_queue(
    *, user: Any, filters: QueueFilter, now: dt.datetime | None = None
) -> QuerySet[Ticket]:
    """The tickets of a queue: urgent and soonest due first, then the newest. Read a page at
    a time with ``core.keyset`` by ``QUEUE_KEYS`` (ascending), which the indexes
    ``support_waiting_order``/``_all``, ``support_state_order`` and
    ``support_category_state_order`` hold in that order."""
    now = now or timezone.now()
    tickets = Ticket.objects.select_related("category", "assignee", "customer", "agency").annotate(
        **QUEUE_KEYS
    )
    if filters.category is not None:
        tickets = tickets.filter(category=filters.category)
    if filters.state == "waiting_on_us":
        tickets = tickets.filter(state__in=Ticket.WITH_INSURER)
    elif filters.state in Ticket.State.values:
        tickets = tickets.filter(state=filters.state)
    if filters.late:
        tickets = tickets.filter(state__in=Ticket.WITH_INSURER, due_at__lt=now)
    if filters.escalated:
        tickets = tickets.filter(escalated_at__isnull=False, state__in=Ticket.WITH_INSURER)
    if filters.mine:
        tickets = tickets.filter(Q(assignee_id=user.pk) | Q(escalated_to_id=user.pk))
    return tickets.order_by(*QUEUE_KEYS)


def ops_ticket_get(*, ticket_id: int) -> Ticket | None:
    return (
        Ticket.objects.select_related(
            "category", "assignee", "customer", "agency", "opened_by", "escalated_to"
        )
        .filter(pk=ticket_id)
        .first()
    )


def waiting_count() -> int:
    """Tickets the insurer owes an answer to (the ops home's badge): the sum of the queues'
    counts kept by triggers (``QueueWaiting``), never a count of the tickets."""
    from django.db.models import Sum

    return QueueWaiting.objects.aggregate(total=Sum("waiting"))["total"] or 0


def queue_counts() -> dict[int, int]:
    """Per category: tickets the insurer owes an answer to (one query of a few rows)."""
    return dict(QueueWaiting.objects.values_list("category_id", "waiting"))


def branch_staff() -> list[User]:
    """Whom a ticket can be given to."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(insurer_role__in=BRANCH_ROLES) | Q(is_superuser=True))
        .order_by("first_name", "last_name", "id")
    )

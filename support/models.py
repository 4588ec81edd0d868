"""Support tickets (S-8.4, decision 051): a customer or an agency asks the insurer, whose
staff answer from queues by category. Everything lives in the public schema: a ticket is
between one side (a customer account, or an agency) and the insurer."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.storage import private_storage
from core.text.fields import NormalizedCharField, NormalizedTextField


class Category(models.Model):
    """What a ticket is about (data, seeded by a migration, editable in the admin): the
    queue it lands in, how many working hours the insurer has to answer, and the branch
    manager a late ticket is escalated to."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = NormalizedCharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    sla_hours = models.PositiveSmallIntegerField(
        _("hours to answer"),
        default=16,
        help_text=_("Working hours the insurer has to answer a ticket of this category."),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("queue manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The branch manager who receives this queue's late tickets."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and not (get_language() or "fa").startswith("fa"):
            return self.name_en
        return self.name


class Holiday(models.Model):
    """A public holiday in Iran (no working hours: SLA due times skip it). Seeded with the
    solar and lunar holidays of 1405 and 1406; the insurer corrects and adds years in the
    admin (lunar dates are set each year by the official calendar)."""

    date = models.DateField(_("date"), unique=True)
    name = NormalizedCharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        from core.jalali import format_jalali_date

        return f"{format_jalali_date(self.date)} {self.name}"


# The ops queue's order — urgent first, soonest due first (nothing due: last), newest first —
# as three keys that all run upwards, so that the page after the last row shown is one range
# of a B-tree index (core.keyset, decision 063): the descending keys negated, a missing due
# time put at the end of time.
NO_DUE_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
QUEUE_KEYS = {
    "queue_priority": -F("priority"),
    "queue_due": Coalesce("due_at", Value(NO_DUE_TIME)),
    "queue_id": -F("id"),
}


class Ticket(models.Model):
    """One question of a customer or an agency to the insurer, with its conversation."""

    class Side(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENCY = "agency", _("Agency")

    class State(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket state", "New")
        OPEN = "open", pgettext_lazy("ticket state", "Being handled")
        WAITING = "waiting", pgettext_lazy("ticket state", "Waiting for your reply")
        ANSWERED = "answered", pgettext_lazy("ticket state", "Answered")
        CLOSED = "closed", pgettext_lazy("ticket state", "Closed")

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        URGENT = 1, _("Urgent")

    # States in which the insurer owes an answer (the SLA clock runs).
    WITH_INSURER = (State.NEW, State.OPEN)
    # States in which the customer or agency may still write.
    NOT_CLOSED = (State.NEW, State.OPEN, State.WAITING, State.ANSWERED)

    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_tickets",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_tickets",
    )
    # The agency site a customer wrote from (None: the main site); context for the insurer.
    site_agency_id = models.BigIntegerField(_("written on the site of"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="tickets"
    )
    subject = NormalizedCharField(_("subject"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last activity"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(side="customer", customer__isnull=False, agency__isnull=True)
                    | Q(side="agency", agency__isnull=False, customer__isnull=True)
                ),
                name="support_ticket_one_side",
            )
        ]
        indexes = [
            # The ops queue: a category's tickets in a state, oldest due first.
            models.Index(fields=["category", "state", "due_at", "id"], name="support_queue"),
            models.Index(fields=["assignee", "state"], name="support_assignee"),
            models.Index(fields=["customer", "-created_at"], name="support_customer"),
            models.Index(fields=["agency", "-created_at"], name="support_agency"),
            # The default queue: what the insurer owes, urgent first, soonest due first, in
            # the keys of QUEUE_KEYS (keyset pages), for one category or all; and one state.
            models.Index(
                "category",
                *QUEUE_KEYS.values(),
                name="support_waiting_order",
                condition=Q(state__in=["new", "open"]),
            ),
            models.Index(
                *QUEUE_KEYS.values(),
                name="support_waiting_all",
                condition=Q(state__in=["new", "open"]),
            ),
            models.Index("state", *QUEUE_KEYS.values(), name="support_state_order"),
            models.Index(
                "category", "state", *QUEUE_KEYS.values(), name="support_category_state_order"
            ),
            # The escalation sweep: tickets with the insurer, past due, not escalated yet.
            models.Index(
                fields=["due_at"],
                name="support_due_unescalated",
                condition=Q(state__in=["new", "open"], escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED


class Message(models.Model):
    """One entry of a ticket's conversation. ``internal`` notes are the insurer staff's own:
    never shown to the customer or agency, never in their API."""

    class Author(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENCY = "agency", _("Agency")
        STAFF = "staff", _("Insurer")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    author_side = models.CharField(_("written by"), max_length=10, choices=Author.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    internal = models.BooleanField(_("internal note"), default=False)
    body = NormalizedTextField(_("text"), max_length=5000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    # When the customer or agency was told of this answer (set once, by the claiming task).
    notified_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="support_thread")]
        constraints = [
            models.CheckConstraint(
                condition=Q(internal=False) | Q(author_side="staff"),
                name="support_internal_only_staff",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """Random names in private storage (decision 018)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"support/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A file kept with a ticket (checked by content and size, in private storage); served
    only to the ticket's side and to insurer staff."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("ticket message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(
        _("file"), upload_to=attachment_upload_to, storage=private_storage, max_length=300
    )
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = NormalizedCharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket attachment")
        verbose_name_plural = _("ticket attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class QueueWaiting(models.Model):
    """How many tickets of a category wait for the insurer (new or open): the queues'
    badges, read in one small query instead of counting the tickets (decision 063). Kept
    exact by triggers on ``support_ticket`` (migration 0004): every insert, update and delete
    of tickets, whatever wrote it, moves these numbers in the same transaction."""

    category = models.OneToOneField(
        Category,
        verbose_name=_("category"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    waiting = models.IntegerField(_("waiting for the insurer"), default=0)

    class Meta:
        verbose_name = _("tickets waiting in a queue")
        verbose_name_plural = _("tickets waiting in the queues")

    def __str__(self) -> str:
        return f"{self.category_id}: {self.waiting}"

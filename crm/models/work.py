"""Working with customers (S-6.5, S-6.6): cases and their activities, attachments,
complaints, claims, gifts and the log of every contact."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage
from core.text.fields import NormalizedCharField, NormalizedTextField
from crm.models.book import BookPolicy
from crm.models.customers import Customer


class Case(models.Model):
    """A case (پرونده) the agency works: marketing, a management follow-up, a meeting, a
    sale… with an assignee and a due time. May concern no customer (an internal meeting)."""

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        FOLLOW_UP = "follow_up", _("Management follow-up")
        MEETING = "meeting", _("Meeting")
        SALE = "sale", _("Sale")
        SERVICE = "service", _("Customer service")
        CLAIM = "claim", _("Claim follow-up")
        COLLECTION = "collection", _("Collecting a payment")
        OTHER = "other", _("Other case")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        LOW = 1, _("Low")
        NORMAL = 2, _("Normal")
        HIGH = 3, _("High")
        URGENT = 4, _("Urgent")

    OPEN_STATES = ("open", "in_progress")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    book_policy = models.ForeignKey(
        BookPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = NormalizedCharField(_("title"), max_length=200)
    description = NormalizedTextField(_("description"), blank=True)
    assignee_user_id = models.BigIntegerField(_("assigned to"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    result = NormalizedTextField(_("result"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            # A staff member's open cases by due time (their list, dashboard, calendar).
            models.Index(
                fields=["assignee_user_id", "due_at"],
                condition=Q(state__in=("open", "in_progress")),
                name="crm_case_open_assignee",
            ),
            models.Index(fields=["state", "due_at"], name="crm_case_state_due"),
            models.Index(fields=["customer", "-created_at"], name="crm_case_customer"),
        ]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    """An activity of a case (فعالیت): a call, meeting, SMS, visit or note, planned for a
    time and done (or not); a reminder goes to its assignee before it is due."""

    class Kind(models.TextChoices):
        CALL = "call", _("Phone call")
        MEETING = "meeting", _("Meeting")
        SMS = "sms", _("SMS")
        VISIT = "visit", _("Visit")
        EMAIL = "email", _("E-mail")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="activities"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    subject = NormalizedCharField(_("subject"), max_length=200)
    note = NormalizedTextField(_("note"), blank=True)
    assignee_user_id = models.BigIntegerField(_("assigned to"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    result = NormalizedTextField(_("result"), blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    # Set by the conditional update that sends the reminder: sent once, however often
    # the sweep runs.
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(
                fields=["assignee_user_id", "due_at"],
                condition=Q(done_at__isnull=True),
                name="crm_activity_open_assignee",
            ),
            models.Index(
                fields=["remind_at"],
                condition=Q(reminder_sent_at__isnull=True, done_at__isnull=True),
                name="crm_activity_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    """Random names in private storage, one folder per agency schema (decision 018)."""
    from django.db import connection

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    schema = getattr(connection, "schema_name", "public")
    return f"crm/{schema}/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """A file kept with a case or an activity (and so on the customer's card). Stored in
    private storage after ``core.uploads`` decoded it; leaves only through checked views."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(
        _("file"), upload_to=attachment_upload_to, storage=private_storage, max_length=300
    )
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = NormalizedCharField(_("file name"), max_length=255)
    uploaded_by_user_id = models.BigIntegerField(_("uploaded by"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False)
                | Q(case__isnull=False)
                | Q(activity__isnull=False),
                name="crm_attachment_belongs_somewhere",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

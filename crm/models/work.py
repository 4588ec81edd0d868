"""Working with customers (S-6.5, S-6.6): cases and their activities, attachments,
complaints, claims, gifts and the log of every contact."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import RialField
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


class Complaint(models.Model):
    """A complaint (شکایت), referred to a member of staff, with its recorded result; the
    customer may be told the result by SMS."""

    class State(models.TextChoices):
        OPEN = "open", _("Received")
        REFERRED = "referred", _("Referred")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Not upheld")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="complaints"
    )
    book_policy = models.ForeignKey(
        BookPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
    )
    subject = NormalizedCharField(_("subject"), max_length=200)
    text = NormalizedTextField(_("complaint"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    referred_to_user_id = models.BigIntegerField(_("referred to"), null=True, blank=True)
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True)
    result = NormalizedTextField(_("result"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    result_sms_at = models.DateTimeField(_("result sent by SMS at"), null=True, blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "received_at"], name="crm_complaint_state"),
            models.Index(fields=["referred_to_user_id", "state"], name="crm_complaint_referred"),
            models.Index(fields=["customer", "-received_at"], name="crm_complaint_customer"),
        ]

    def __str__(self) -> str:
        return self.subject


class ClaimRecord(models.Model):
    """A claim (خسارت) of a customer as the agency follows it: filed, paid amount and date.
    Paid amounts against premiums make the customer's loss ratio (ranking)."""

    class State(models.TextChoices):
        FILED = "filed", _("Filed")
        ASSESSING = "assessing", _("Being assessed")
        PAYMENT_ORDERED = "ordered", _("Payment ordered")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="claims"
    )
    book_policy = models.ForeignKey(
        BookPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claims",
    )
    number = models.CharField(_("claim file number"), max_length=60, blank=True)
    description = NormalizedTextField(_("description"), blank=True)
    occurred_on = models.DateField(_("loss date"), null=True, blank=True)
    filed_at = models.DateField(_("filed on"))
    claimed_amount = RialField(_("amount claimed"), null=True, blank=True)
    paid_amount = RialField(_("amount paid"), null=True, blank=True)
    paid_at = models.DateField(_("paid on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.FILED)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True) | Q(paid_amount__gte=0),
                name="crm_claim_paid_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(paid_amount__isnull=False, paid_at__isnull=False),
                name="crm_claim_paid_has_amount_and_date",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-filed_at"], name="crm_claim_customer"),
            models.Index(fields=["state", "filed_at"], name="crm_claim_state"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class Gift(models.Model):
    """A promotional gift (هدیه تبلیغاتی): planned (by rank and earlier gifts), given, and how
    the customer took it."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        GIVEN = "given", _("Given")
        CANCELLED = "cancelled", _("Cancelled")

    class Response(models.TextChoices):
        UNKNOWN = "", _("Not known yet")
        POSITIVE = "positive", _("Pleased")
        NEUTRAL = "neutral", _("Indifferent")
        NEGATIVE = "negative", _("Displeased")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="gifts"
    )
    kind = NormalizedCharField(_("gift"), max_length=100)
    value = RialField(_("value"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PLANNED
    )
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    # The rank band the plan was made for (ranking), kept as it was then.
    planned_band = models.CharField(_("planned for rank"), max_length=2, blank=True)
    given_at = models.DateField(_("given on"), null=True, blank=True)
    response = models.CharField(
        _("response"), max_length=10, choices=Response.choices, blank=True, default=""
    )
    response_note = NormalizedTextField(_("response (notes)"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="given") | Q(given_at__isnull=False),
                name="crm_gift_given_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="crm_gift_customer"),
            models.Index(fields=["state", "planned_for"], name="crm_gift_plan"),
        ]

    def __str__(self) -> str:
        return self.kind


class ContactLog(models.Model):
    """Every contact with a customer or a number: a caller lookup, a call, an SMS, a visit.
    ``customer`` is empty for a number nobody holds (yet)."""

    class Channel(models.TextChoices):
        LOOKUP = "lookup", _("Caller lookup")
        CALL = "call", _("Phone call")
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("Visit")

    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    class Outcome(models.TextChoices):
        NONE = "", _("Not recorded")
        ANSWERED = "answered", _("Answered")
        NO_ANSWER = "no_answer", _("No answer")
        BUSY = "busy", _("Busy")
        WRONG_NUMBER = "wrong", _("Wrong number")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    phone = models.CharField(_("number"), max_length=16, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    by_user_id = models.BigIntegerField(_("by"), null=True, blank=True)
    # Who else took part: the telephony system, an SMS pattern, an import…
    via = models.CharField(_("through"), max_length=30, blank=True)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
    )
    # The public SMS log row of a message (issue 13), as a plain id.
    sms_message_id = models.BigIntegerField(_("SMS message"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    note = NormalizedTextField(_("note"), blank=True)
    occurred_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="crm_contact_customer"),
            models.Index(fields=["phone", "-occurred_at"], name="crm_contact_phone"),
            models.Index(fields=["-occurred_at"], name="crm_contact_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.phone}"

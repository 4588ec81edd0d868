"""Customer care (S-6.5, S-6.6): complaints, claims, gifts and the log of every contact."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.text.fields import NormalizedCharField, NormalizedTextField
from crm.models.book import BookPolicy
from crm.models.customers import Customer
from crm.models.work import Case


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

"""Cancellations (surrender) of policies at the customer's request (decision 049).

The refund is a rule that is data: a ``ShortRateTable`` per line (or the default one) keeps a
share of the premium for the days used (``ShortRateBand`` rows, or pro rata), and says whether
a policy with an open or paid claim may be cancelled at all. A ``CancellationRequest`` keeps
the figures the customer saw and confirmed; an operator approves or rejects it. An approval
ends the policy (``policies.services.ending``) and records the ``Refund`` due. Public schema.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import RialField
from core.text.fields import NormalizedCharField


class ShortRateTable(models.Model):
    """How much of the premium a line keeps when its policy is cancelled early."""

    DEFAULT = ""  # the table of every line without its own

    class Method(models.TextChoices):
        SHORT_RATE = "short_rate", _("Short-rate scale")
        PRO_RATA = "pro_rata", _("Pro rata (days used)")

    line_code = models.CharField(
        _("line"),
        max_length=40,
        unique=True,
        blank=True,
        help_text=_("Empty for the default table of lines without their own."),
    )
    method = models.CharField(
        _("method"), max_length=12, choices=Method.choices, default=Method.SHORT_RATE
    )
    refuse_when_claim = models.BooleanField(
        _("refuse when a claim exists"),
        default=True,
        help_text=_("A policy with an open or paid claim cannot be cancelled."),
    )
    note = NormalizedCharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("short-rate table")
        verbose_name_plural = _("short-rate tables")
        ordering = ["line_code"]

    def __str__(self) -> str:
        return self.line_code or str(_("Default"))


class ShortRateBand(models.Model):
    """Up to ``up_to_days`` days used, ``kept_percent`` of the premium is kept (the first
    band whose limit is not passed applies; past the last, all of it)."""

    table = models.ForeignKey(
        ShortRateTable, verbose_name=_("table"), on_delete=models.CASCADE, related_name="bands"
    )
    up_to_days = models.PositiveSmallIntegerField(
        _("days used up to"), validators=[MinValueValidator(1), MaxValueValidator(3660)]
    )
    kept_percent = models.DecimalField(
        _("premium kept (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("short-rate band")
        verbose_name_plural = _("short-rate bands")
        ordering = ["table", "up_to_days"]
        constraints = [
            models.UniqueConstraint(fields=["table", "up_to_days"], name="one_band_per_limit"),
            models.CheckConstraint(
                condition=models.Q(kept_percent__gte=0, kept_percent__lte=100),
                name="band_percent_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"≤{self.up_to_days}: {self.kept_percent}%"


class CancellationRequest(models.Model):
    """A customer's request to end a policy early, with the refund they were shown."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("cancellation", "Waiting for the insurer")
        APPROVED = "approved", pgettext_lazy("cancellation", "Approved")
        REJECTED = "rejected", pgettext_lazy("cancellation", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("cancellation", "Withdrawn")

    class Reason(models.TextChoices):
        SOLD = "sold", _("I sold the insured property or vehicle")
        DUPLICATE = "duplicate", _("I am insured elsewhere")
        NOT_NEEDED = "not_needed", _("I no longer need the cover")
        PRICE = "price", _("The price is too high")
        OTHER = "other", pgettext_lazy("cancellation reason", "Other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    policy = models.ForeignKey(
        "policies.Policy",
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="cancellation_requests",
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="cancellation_requests",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The policy's selling agency (empty for the main site's own)."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    last_day = models.DateField(_("cancel from"))
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = NormalizedCharField(_("note"), max_length=500, blank=True)
    # The figures shown to the customer when they confirmed (the rule in force then).
    table = models.ForeignKey(
        ShortRateTable, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="+"
    )
    premium = RialField(_("premium"))
    term_days = models.PositiveIntegerField(_("days of cover"))
    days_used = models.PositiveIntegerField(_("days used"))
    kept_percent = models.DecimalField(_("premium kept (%)"), max_digits=5, decimal_places=2)
    kept = RialField(_("premium kept"))
    refund = RialField(_("refund"))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = NormalizedCharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("cancellation request")
        verbose_name_plural = _("cancellation requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy"],
                condition=models.Q(state="pending"),
                name="one_pending_cancellation_per_policy",
            ),
            models.CheckConstraint(
                condition=models.Q(refund__gte=0, kept__gte=0), name="cancellation_amounts"
            ),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.state}"


class Refund(models.Model):
    """Money owed to the customer for a cancelled policy, recorded when it was approved."""

    class State(models.TextChoices):
        DUE = "due", pgettext_lazy("refund", "Due")
        PAID = "paid", pgettext_lazy("refund", "Paid")

    request = models.OneToOneField(
        CancellationRequest,
        verbose_name=_("cancellation request"),
        on_delete=models.PROTECT,
        related_name="refund_row",
    )
    policy = models.OneToOneField(
        "policies.Policy", verbose_name=_("policy"), on_delete=models.PROTECT, related_name="+"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = RialField(_("amount"))
    state = models.CharField(_("state"), max_length=6, choices=State.choices, default=State.DUE)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="refund_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.amount}"

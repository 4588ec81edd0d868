"""The sales network's commissions (S-5.3): rates, one commission per issued policy, monthly
statements per agency and the payouts made against them. Public schema."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.text.fields import NormalizedCharField


class CommissionRate(models.Model):
    """A commission percentage for a kind of agency and a line, from a date on. Blank kind or
    line code ("*") mean any; the most specific rate in force on the issue date applies."""

    ANY_LINE = "*"

    agency_kind = models.CharField(
        _("kind of agency"),
        max_length=10,
        blank=True,
        help_text=_("Agent, broker or marketer; empty for every kind."),
    )
    line_code = models.SlugField(_("line"), max_length=40, default=ANY_LINE)
    percent = models.DecimalField(
        _("commission (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(50)],
    )
    effective_from = models.DateField(_("in force from"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        ordering = ["agency_kind", "line_code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency_kind", "line_code", "effective_from"],
                name="one_commission_rate_per_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_kind or '*'} / {self.line_code}: {self.percent}%"


class Commission(models.Model):
    """The selling agency's commission on one policy, fixed when the policy is issued."""

    policy = models.OneToOneField(
        "policies.Policy",
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="commission",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="commissions",
    )
    rate = models.ForeignKey(
        CommissionRate, verbose_name=_("rate"), on_delete=models.PROTECT, related_name="+"
    )
    percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)
    base = models.DecimalField(_("net premium"), max_digits=16, decimal_places=0)
    amount = models.DecimalField(_("commission"), max_digits=16, decimal_places=0)
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    statement = models.ForeignKey(
        "settlement.CommissionStatement",
        verbose_name=_("statement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        help_text=_("The monthly statement this commission was put on; set once."),
    )

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        # The dashboard's commission of a period reads the amount from the index alone.
        indexes = [
            models.Index(
                fields=["agency", "issued_at"], include=["amount"], name="commission_agency_issued"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.amount}"


class CommissionClawback(models.Model):
    """The part of a commission taken back when its policy is cancelled (decision 049): the
    commission's share of the refund, negative, dated when the cancellation was approved, and
    put on the agency's next statement like a commission."""

    commission = models.OneToOneField(
        Commission,
        verbose_name=_("commission"),
        on_delete=models.PROTECT,
        related_name="clawback",
    )
    policy = models.OneToOneField(
        "policies.Policy",
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="commission_clawback",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="commission_clawbacks",
    )
    refund = RialField(_("refund"))
    percent = models.DecimalField(_("commission (%)"), max_digits=5, decimal_places=2)
    base = RialField(
        _("net premium"), help_text=_("The refunded share of the net premium, negative.")
    )
    amount = RialField(_("commission"), help_text=_("Negative: taken back."))
    issued_at = models.DateTimeField(_("cancelled at"), db_index=True)
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)
    statement = models.ForeignKey(
        "settlement.CommissionStatement",
        verbose_name=_("statement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clawbacks",
    )

    class Meta:
        verbose_name = _("commission clawback")
        verbose_name_plural = _("commission clawbacks")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__lte=0, base__lte=0), name="clawback_not_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.amount}"


class CommissionStatement(models.Model):
    """An agency's commissions of one Jalali month (صورت‌حساب کارمزد). Its lines are the
    commissions it was built with, fixed for good; a commission computed later goes on the
    next statement. Payouts are recorded against it until it is paid in full."""

    class State(models.TextChoices):
        ISSUED = "issued", _("Issued, not paid")
        PARTLY_PAID = "partly_paid", _("Partly paid")
        PAID = "paid", _("Paid")

    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="commission_statements",
    )
    jalali_year = models.PositiveSmallIntegerField(_("Jalali year"))
    jalali_month = models.PositiveSmallIntegerField(
        _("Jalali month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    policy_count = models.PositiveIntegerField(_("policies"), default=0)
    premium_total = RialField(_("premium"), default=0)
    base_total = RialField(_("net premium"), default=0)
    commission_total = RialField(_("commission"), default=0)
    # Commissions of cancelled policies taken back (negative), included in commission_total.
    clawback_total = RialField(_("taken back"), default=0)
    paid_total = RialField(_("paid"), default=0)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.ISSUED, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commission statement")
        verbose_name_plural = _("commission statements")
        ordering = ["-jalali_year", "-jalali_month", "agency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "jalali_year", "jalali_month"],
                name="one_commission_statement_per_month",
            ),
            # A statement whose clawbacks outweigh its commissions owes; nothing is paid on it.
            models.CheckConstraint(
                condition=models.Q(paid_total__lte=models.F("commission_total"))
                | models.Q(paid_total=0),
                name="statement_not_overpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.jalali_year}/{self.jalali_month:02d}"

    @property
    def period_label(self) -> str:
        return f"{self.jalali_year}/{self.jalali_month:02d}"

    @property
    def outstanding(self):
        return self.commission_total - self.paid_total


class CommissionPayout(models.Model):
    """Money paid to an agency against a statement (a bank transfer), recorded by an operator."""

    statement = models.ForeignKey(
        CommissionStatement,
        verbose_name=_("statement"),
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="commission_payouts",
    )
    amount = RialField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("transfer reference"), max_length=60)
    note = NormalizedCharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("commission payout")
        verbose_name_plural = _("commission payouts")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_positive"),
            models.UniqueConstraint(
                fields=["agency", "reference"], name="one_payout_per_transfer_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.amount}"

"""Settlement with the core issuing system and the sales network's commissions (S-5.2, S-5.3).
Public schema: the insurer's ledger."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        indexes = [models.Index(fields=["agency", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.amount}"

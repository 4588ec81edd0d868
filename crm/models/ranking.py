"""Ranking (S-6.4): the agency's weights (one row per agency schema) and each customer's
computed rank. The computation itself is set-based SQL in crm's ranking service."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from crm.models.customers import Customer


def _weight(label):  # type: ignore[no-untyped-def]
    return models.DecimalField(label, max_digits=6, decimal_places=3, default=Decimal("1"))


class RankingWeights(models.Model):
    """How much each measure counts in a customer's score; exactly one row (id 1) per agency
    schema, created by the migration with the default weights."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    premium_paid = _weight(_("weight of premium paid"))
    purchase_count = _weight(_("weight of number of purchases"))
    commission = _weight(_("weight of commission earned"))
    claims_paid = _weight(_("weight of claims paid"))
    loss_ratio = _weight(_("weight of loss ratio"))
    bounced_cheques = _weight(_("weight of bounced cheques"))
    # Bands by score percentile: the top ``band_a_percent`` are A, and so on; the rest D.
    band_a_percent = models.PositiveSmallIntegerField(_("band A: top percent"), default=10)
    band_b_percent = models.PositiveSmallIntegerField(_("band B: next percent"), default=20)
    band_c_percent = models.PositiveSmallIntegerField(_("band C: next percent"), default=30)
    updated_by_user_id = models.BigIntegerField(_("changed by"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ranking weights")
        verbose_name_plural = _("ranking weights")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="crm_ranking_weights_single_row"),
            models.CheckConstraint(
                condition=Q(
                    band_a_percent__lte=100
                    - models.F("band_b_percent")
                    - models.F("band_c_percent")
                ),
                name="crm_ranking_bands_within_100",
            ),
        ]

    def __str__(self) -> str:
        return str(_("ranking weights"))


class CustomerRank(models.Model):
    """A customer's rank as last computed, with the measures it came from (one row per
    customer, rewritten by the ranking run; kept apart so the wide customer rows are not
    rewritten every night)."""

    class Band(models.TextChoices):
        A = "A", _("Band A")
        B = "B", _("Band B")
        C = "C", _("Band C")
        D = "D", _("Band D")

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("customer"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="rank",
    )
    score = models.DecimalField(_("score"), max_digits=12, decimal_places=4)
    band = models.CharField(_("rank"), max_length=2, choices=Band.choices)
    premium_paid = RialField(_("premium paid"), default=Decimal(0))
    purchase_count = models.PositiveIntegerField(_("purchases"), default=0)
    commission = RialField(_("commission earned"), default=Decimal(0))
    claims_paid = RialField(_("claims paid"), default=Decimal(0))
    loss_ratio = models.DecimalField(
        _("loss ratio"), max_digits=9, decimal_places=4, default=Decimal(0)
    )
    bounced_cheques = models.PositiveIntegerField(_("bounced cheques"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("customer rank")
        verbose_name_plural = _("customer ranks")
        indexes = [
            models.Index(fields=["band", "-score"], name="crm_rank_band"),
            models.Index(fields=["-score"], name="crm_rank_score"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.band}"

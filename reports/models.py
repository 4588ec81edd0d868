"""Per-day summaries of the cross-agency reports (decision 060).

A Tehran day that has ended is rolled up once (``reports.summaries``) into narrow rows per
agency and line (sales) or per agency (settlement); ``SummaryDay`` says which days hold
rows the reports may read. Whatever later changes a summarised day's figures (a late
settlement, a confirmation, a policy moved) marks the day dirty in the same transaction
(database triggers, migration 0001), so a report reads it live until it is rolled up again.
The rows are derived data: they never block a change to what they count."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import RialField


class SummaryDay(models.Model):
    """A Tehran day whose summaries were built; ``dirty`` once something changed it since."""

    day = models.DateField(_("day"), primary_key=True)
    dirty = models.BooleanField(_("changed since"), default=False)
    rolled_at = models.DateTimeField(_("rolled up at"))
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("summarised day")
        verbose_name_plural = _("summarised days")
        indexes = [
            models.Index(fields=["day"], name="summary_day_dirty", condition=models.Q(dirty=True))
        ]

    def __str__(self) -> str:
        return f"{self.day}{' *' if self.dirty else ''}"


class SalesDay(models.Model):
    """Policies issued on one Tehran day by one seller (``agency`` empty: the virtual
    branch's own sales) in one line: how many and their premium."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    line = models.ForeignKey(
        "policies.Line",
        verbose_name=_("line"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    policies = models.PositiveIntegerField(_("policies"))
    premium = RialField(_("premium"))

    class Meta:
        verbose_name = _("sales of a day")
        verbose_name_plural = _("sales of days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "line"],
                nulls_distinct=False,
                name="one_sales_day_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id or 'main'} {self.line_id}"


class SettlementDay(models.Model):
    """The settlement report's figures of one Tehran day for one agency (empty: the virtual
    branch; ``unattributed``: differences of lines no export had). Batches and items by
    their business day, differences by their export's day, unsettled policies by their
    issue day, as the report counts them."""

    day = models.DateField(_("day"))
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    unattributed = models.BooleanField(_("unattributed"), default=False)
    batches_open = models.PositiveIntegerField(default=0)
    batches_exported = models.PositiveIntegerField(default=0)
    batches_confirmed = models.PositiveIntegerField(default=0)
    batches_discrepant = models.PositiveIntegerField(default=0)
    items = models.PositiveIntegerField(default=0)
    items_amount = RialField(default=0)
    exported_items = models.PositiveIntegerField(default=0)
    exported_amount = RialField(default=0)
    confirmed_items = models.PositiveIntegerField(default=0)
    confirmed_amount = RialField(default=0)
    differing_items = models.PositiveIntegerField(default=0)
    differing_amount = RialField(default=0)
    missing_items = models.PositiveIntegerField(default=0)
    missing_amount = RialField(default=0)
    mismatches = models.PositiveIntegerField(default=0)
    unsettled_policies = models.PositiveIntegerField(default=0)
    unsettled_amount = RialField(default=0)

    class Meta:
        verbose_name = _("settlement of a day")
        verbose_name_plural = _("settlement of days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "agency", "unattributed"],
                nulls_distinct=False,
                name="one_settlement_day_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id or 'main'}"

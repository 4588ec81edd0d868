"""Settlement of the network's online payments with the core issuing system (S-5.2).

A verified payment of an issued policy becomes one ``SettlementItem`` in one daily
``SettlementBatch`` of its agency (the unique payment makes "exactly one batch" a database
fact). A ``SettlementExport`` takes a day's open batches to one file for the core system;
the core system's answer is imported as a ``SettlementConfirmation`` whose differences are
``SettlementMismatch`` rows. Public schema: the insurer's ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import RialField


class SettlementExport(models.Model):
    """One settlement file for the core issuing system: the open batches of one day, taken
    when it was created. Rendered by a Celery task; re-rendering gives the same bytes."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    number = models.CharField(_("export number"), max_length=20, unique=True)
    day = models.DateField(_("business day"), db_index=True)
    sequence = models.PositiveSmallIntegerField(_("export of the day"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    # Control totals, fixed when the batches were taken; the file must agree with them.
    batch_count = models.PositiveIntegerField(_("batches"))
    item_count = models.PositiveIntegerField(_("items"))
    total_amount = RialField(_("amount"))
    total_commission = RialField(_("commission"))
    rows_written = models.PositiveIntegerField(_("items written"), default=0)
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    csv_file = models.CharField(_("CSV file"), max_length=300, blank=True)
    csv_sha256 = models.CharField(_("CSV SHA-256"), max_length=64, blank=True)
    xlsx_file = models.CharField(_("Excel file"), max_length=300, blank=True)
    render_count = models.PositiveIntegerField(_("times written"), default=0)
    error = models.TextField(_("error"), blank=True)
    confirmation = models.ForeignKey(
        "settlement.SettlementConfirmation",
        verbose_name=_("latest confirmation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The core system's latest matched answer: it decides the items' state."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement export")
        verbose_name_plural = _("settlement exports")
        ordering = ["-day", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["day", "sequence"], name="one_export_number_per_day")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def progress_percent(self) -> int:
        if self.state == self.State.DONE or not self.item_count:
            return 100 if self.state == self.State.DONE else 0
        return min(99, self.rows_written * 100 // self.item_count)


class SettlementBatch(models.Model):
    """The verified online payments of one agency (or, with no agency, of the virtual
    branch's own main-site sales) taken to settlement for one business day."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        EXPORTED = "exported", _("Exported")
        CONFIRMED = "confirmed", _("Confirmed by the core system")
        DISCREPANT = "discrepant", _("Differences found")

    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlement_batches",
        help_text=_("Empty for the virtual branch's own main-site sales."),
    )
    day = models.DateField(_("business day"), db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    item_count = models.PositiveIntegerField(_("items"), default=0)
    total_amount = RialField(_("amount"), default=0)
    total_commission = RialField(_("commission"), default=0)
    export = models.ForeignKey(
        SettlementExport,
        verbose_name=_("export"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        ordering = ["-day", "agency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "day"],
                nulls_distinct=False,
                name="one_settlement_batch_per_agency_day",
            ),
            models.CheckConstraint(
                condition=models.Q(state="open", export__isnull=True)
                | (~models.Q(state="open") & models.Q(export__isnull=False)),
                name="exported_batch_has_its_export",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id or 'main'} {self.day}"


class SettlementConfirmation(models.Model):
    """A confirmation file of the core system for one export, checked as a whole before
    anything is written, then matched item by item."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being checked")
        APPLIED = "applied", _("Matched")
        REJECTED = "rejected", _("Rejected")

    export = models.ForeignKey(
        SettlementExport,
        verbose_name=_("export"),
        on_delete=models.PROTECT,
        related_name="confirmations",
    )
    file = models.CharField(_("file"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempt = models.PositiveIntegerField(_("attempt"), default=0)
    error_line = models.PositiveIntegerField(_("line of the error"), null=True, blank=True)
    error = models.TextField(_("reason"), blank=True)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    missing_count = models.PositiveIntegerField(_("missing"), default=0)
    extra_count = models.PositiveIntegerField(_("extra"), default=0)
    differs_count = models.PositiveIntegerField(_("differing"), default=0)
    confirmed_amount = RialField(_("confirmed amount"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement confirmation")
        verbose_name_plural = _("settlement confirmations")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.export_id}: {self.original_name}"

    @property
    def mismatch_count(self) -> int:
        return self.missing_count + self.extra_count + self.differs_count


class SettlementConfirmationLine(models.Model):
    """One C line of a confirmation file, as the core system wrote it (loaded by COPY)."""

    pk = models.CompositePrimaryKey("confirmation_id", "item_ref")
    # No database constraint: a file's lines are written by COPY in the transaction that
    # holds their confirmation's row, and a deferred check of every line at commit cost
    # ~4.5 s per 500,000 lines here. Deleting a confirmation still deletes its lines.
    confirmation = models.ForeignKey(
        SettlementConfirmation,
        verbose_name=_("confirmation"),
        on_delete=models.CASCADE,
        related_name="lines",
        db_constraint=False,
    )
    item_ref = models.BigIntegerField(_("item in the file"))
    line_number = models.PositiveIntegerField(_("line in the file"))
    policy_number = models.CharField(_("policy number"), max_length=40)
    core_policy_number = models.CharField(_("core system's policy number"), max_length=40)
    amount = RialField(_("confirmed amount"))

    class Meta:
        verbose_name = _("confirmation line")
        verbose_name_plural = _("confirmation lines")

    def __str__(self) -> str:
        return f"{self.confirmation_id}:{self.item_ref}"


class SettlementItem(models.Model):
    """One verified online payment of an issued policy, in exactly one batch. What the file
    says of it is copied here when the batch takes it and never changes, so a re-export
    cannot differ. What the core system said of it is in the lines of its export's latest
    confirmation (``State`` names the outcomes; ``settlement.selectors`` works them out).

    A cancelled policy's refund is a *reversal* item (decision 049): no payment or policy of
    its own, ``reverses`` the sale's item (once: unique), amount and commission negative (the
    refund due and the commission clawed back); the file writes it as an ``R`` line."""

    class State(models.TextChoices):
        PENDING = "pending", _("Not confirmed yet")
        CONFIRMED = "confirmed", _("Confirmed")
        DIFFERS = "differs", _("Differs")
        MISSING = "missing", _("Missing from the confirmation")

    batch = models.ForeignKey(
        SettlementBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="items"
    )
    payment = models.OneToOneField(
        "policies.Payment",
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlement_item",
    )
    policy = models.OneToOneField(
        "policies.Policy",
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlement_item",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        help_text=_("For a cancelled policy's refund: the sale it reverses."),
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount = RialField(_("amount"))
    commission = RialField(_("commission"))
    policy_number = models.CharField(_("policy number"), max_length=30)
    line_code = models.CharField(_("line"), max_length=40)
    gateway = models.CharField(_("gateway"), max_length=30)
    bank_reference = models.CharField(_("bank reference"), max_length=100)
    paid_at = models.DateTimeField(_("paid at"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("settlement item")
        verbose_name_plural = _("settlement items")
        ordering = ["batch", "id"]
        indexes = [models.Index(fields=["batch", "id"], name="settlement_item_batch_order")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    payment__isnull=False, policy__isnull=False, reverses__isnull=True
                )
                | models.Q(
                    payment__isnull=True,
                    policy__isnull=True,
                    reverses__isnull=False,
                    amount__lte=0,
                ),
                name="settlement_item_sale_or_reversal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_number}: {self.amount}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class SettlementMismatch(models.Model):
    """One difference between an export and the core system's confirmation of it."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("Exported but not confirmed")
        EXTRA = "extra", _("Confirmed but not in the export")
        AMOUNT = "amount", _("Amount differs")
        POLICY = "policy", _("Policy number differs")

    confirmation = models.ForeignKey(
        SettlementConfirmation,
        verbose_name=_("confirmation"),
        on_delete=models.CASCADE,
        related_name="mismatches",
    )
    kind = models.CharField(_("difference"), max_length=10, choices=Kind.choices)
    item = models.ForeignKey(
        SettlementItem,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mismatches",
    )
    line_number = models.PositiveIntegerField(_("line in the file"), null=True, blank=True)
    item_reference = models.CharField(_("item in the file"), max_length=40, blank=True)
    policy_number = models.CharField(_("policy number"), max_length=40, blank=True)
    expected_amount = RialField(_("exported amount"), null=True, blank=True)
    confirmed_amount = RialField(_("confirmed amount"), null=True, blank=True)

    class Meta:
        verbose_name = _("settlement difference")
        verbose_name_plural = _("settlement differences")
        ordering = ["confirmation", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.item_reference or self.item_id}"

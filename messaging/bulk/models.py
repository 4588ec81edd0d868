"""A bulk send and what it keeps: the uploaded numbers and the recipients it skipped, with why."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.sms.parts import Line
from core.text.fields import NormalizedCharField, NormalizedTextField


class BulkSend(models.Model):
    """One text to many recipients (ارسال انبوه). Its state changes only in
    ``messaging.bulk.services`` (each transition conditional and audited):
    draft → scheduled → sending → done, or cancelled (until every message has gone) or
    failed (the credit ran out or the agency was stopped while recipients were queued)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Audience(models.TextChoices):
        GROUP = "group", _("A customer group")
        FILTER = "filter", _("Customers matching filters")
        REPORT = "report", _("The customers of a report")
        UPLOAD = "upload", _("An uploaded list of numbers")

    name = NormalizedCharField(_("name"), max_length=100)
    body = NormalizedTextField(_("text"))
    template_id = models.BigIntegerField(_("template"), null=True, blank=True)
    line = models.CharField(
        _("sender line"), max_length=12, choices=Line.choices, default=Line.PROMOTIONAL
    )
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    # A registered audience's key (``report:<key>``) and the filters it is asked with, or the
    # customer list's filters; dates as ISO text.
    audience_key = models.CharField(_("audience key"), max_length=60, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    group = models.ForeignKey(
        "crm.CustomerGroup",
        verbose_name=_("customer group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # Expansion: who holds it (a token and a heartbeat), how far it got, whether it ended.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    position = models.CharField(max_length=40, blank=True)
    expanded = models.BooleanField(default=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Figures: the preview's until the send starts, then what was really queued.
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    skipped_consent = models.PositiveIntegerField(_("no consent or opted out"), default=0)
    skipped_invalid = models.PositiveIntegerField(_("invalid number"), default=0)
    skipped_duplicate = models.PositiveIntegerField(_("duplicate number"), default=0)
    skipped_missing = models.PositiveIntegerField(_("missing placeholder value"), default=0)
    parts = models.PositiveIntegerField(_("parts"), default=0)
    max_parts = models.PositiveSmallIntegerField(_("parts of the longest message"), default=0)
    cost = RialField(_("cost"), default=0)
    uploaded_rows = models.PositiveIntegerField(_("rows uploaded"), default=0)
    error = models.TextField(_("why it stopped"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bulk send")
        verbose_name_plural = _("bulk sends")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="messaging_bulk_recent"),
            # The sweep: scheduled sends that are due, and expansions left behind.
            models.Index(
                fields=["scheduled_at"],
                name="messaging_bulk_waiting",
                condition=models.Q(state__in=["scheduled", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """How its messages are marked in the outbox (core.SmsMessage.source)."""
        return f"bulk:{self.pk}"

    @property
    def skipped(self) -> int:
        return (
            self.skipped_consent
            + self.skipped_invalid
            + self.skipped_duplicate
            + self.skipped_missing
        )

    @property
    def can_cancel(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.SCHEDULED, self.State.SENDING)


class BulkListNumber(models.Model):
    """A valid number of an uploaded list, once per send (duplicates are skips)."""

    bulk = models.ForeignKey(BulkSend, on_delete=models.CASCADE, related_name="numbers")
    number = models.CharField(_("number"), max_length=11)
    row = models.PositiveIntegerField(_("row"))

    class Meta:
        verbose_name = _("uploaded number")
        verbose_name_plural = _("uploaded numbers")
        constraints = [
            models.UniqueConstraint(fields=["bulk", "number"], name="messaging_bulk_number_once")
        ]

    def __str__(self) -> str:
        return self.number


class BulkSkip(models.Model):
    """A recipient not sent to, with the reason (the send's results table)."""

    class Reason(models.TextChoices):
        CONSENT = "consent", _("No consent or opted out")
        INVALID = "invalid", _("Invalid number")
        DUPLICATE = "duplicate", _("Duplicate number")
        MISSING = "missing", _("Missing placeholder value")

    bulk = models.ForeignKey(BulkSend, on_delete=models.CASCADE, related_name="skips")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    value = models.CharField(_("number"), max_length=60, blank=True)
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("skipped recipient")
        verbose_name_plural = _("skipped recipients")
        ordering = ["id"]
        indexes = [models.Index(fields=["bulk", "id"], name="messaging_bulk_skip_order")]

    def __str__(self) -> str:
        return f"{self.value} ({self.reason})"

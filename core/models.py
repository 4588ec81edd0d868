"""Infrastructure records: the audit log, the SMS outbox, inbox and credit ledger."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import RialField
from core.sms.parts import Line


class AuditLog(models.Model):
    """Who changed what, from which value to which, and when. Written by services only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100)
    target_id = models.CharField(_("target id"), max_length=64)
    agency_id = models.BigIntegerField(_("agency"), null=True, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


class SmsMessage(models.Model):
    """One SMS, from queueing to the provider's last report.

    Single messages (codes, links) are sent one by one by ``core.tasks.sms_send``; an
    agency's automated and bulk messages are ``batched`` and drained in provider-sized
    batches by ``core.tasks.sms_drain`` (core.sms.outbox), each charged to its agency's
    credit when queued and refunded if the provider refuses it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Undelivered")
        BLACKLISTED = "blacklisted", _("Blocked advertising")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    to = models.CharField(pgettext_lazy("message recipient", "to"), max_length=20, db_index=True)
    body = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=40, default="general", db_index=True)
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("The stored text is masked; the clear text travels only to the provider."),
    )
    agency_id = models.BigIntegerField(_("agency"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    line = models.CharField(
        _("sender line"), max_length=12, choices=Line.choices, default=Line.SERVICE
    )
    batched = models.BooleanField(_("sent in batches"), default=False)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    parts = models.PositiveSmallIntegerField(_("parts"), default=0)
    cost = RialField(_("cost"), default=0)
    refunded = models.BooleanField(_("refunded"), default=False)
    # Who the message is for and what sent it, in the agency's terms: the CRM customer's id
    # in the agency's schema (no foreign key leaves a schema), "pattern:<id>", "bulk:<id>".
    customer_id = models.BigIntegerField(_("customer"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    actor_id = models.BigIntegerField(_("sent by"), null=True, blank=True)
    backend = models.CharField(_("backend"), max_length=40, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("status reported at"), null=True, blank=True)
    status_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The drain's queue: due batched messages in order.
            models.Index(
                fields=["not_before", "id"],
                name="core_sms_batched_due",
                condition=models.Q(status="queued", batched=True),
            ),
            # Messages waiting for their delivery report.
            models.Index(
                fields=["status_checked_at", "id"],
                name="core_sms_awaiting_report",
                condition=models.Q(status="sent", batched=True),
            ),
            models.Index(
                fields=["provider_message_id"],
                name="core_sms_provider_id",
                condition=~models.Q(provider_message_id=""),
            ),
            # An agency's log, newest first; a customer's messages (timeline, daily cap).
            models.Index(fields=["agency_id", "-created_at", "-id"], name="core_sms_agency_log"),
            models.Index(
                fields=["agency_id", "customer_id", "created_at"],
                name="core_sms_agency_customer",
                condition=models.Q(customer_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"SMS #{self.pk} to {self.to} ({self.status})"


class SmsInbound(models.Model):
    """A message a customer sent to one of our lines, read back from the provider."""

    backend = models.CharField(_("backend"), max_length=40)
    provider_id = models.CharField(_("provider message id"), max_length=100)
    sender = models.CharField(_("from"), max_length=20, db_index=True)
    line_number = models.CharField(_("line number"), max_length=30, blank=True)
    body = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received at"))
    # The agency whose message the customer most likely answered (the last one to text them).
    agency_id = models.BigIntegerField(_("agency"), null=True, blank=True)
    opt_out = models.BooleanField(_("opt-out request"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("received SMS")
        verbose_name_plural = _("received SMS")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["backend", "provider_id"], name="core_sms_inbound_once")
        ]
        indexes = [models.Index(fields=["agency_id", "-received_at"], name="core_inbound_agency")]

    def __str__(self) -> str:
        return f"SMS from {self.sender}"


class SmsAccount(models.Model):
    """An agency's SMS credit and sending rules, kept in the public schema beside the
    outbox so that a charge and the messages it pays for commit together."""

    agency_id = models.BigIntegerField(_("agency"), unique=True)
    balance = RialField(_("credit"), default=0)
    window_start = models.TimeField(_("promotional window opens"), default=dt.time(8, 0))
    window_end = models.TimeField(_("promotional window closes"), default=dt.time(21, 0))
    automated_daily_cap = models.PositiveSmallIntegerField(
        _("automated messages per customer per day"), default=1
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SMS account")
        verbose_name_plural = _("SMS accounts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="core_sms_account_not_negative"
            ),
            # Never 22:00-07:00 (CRM-NOTES: one operator refuses advertising at night).
            models.CheckConstraint(
                condition=models.Q(
                    window_start__gte=dt.time(7, 0),
                    window_end__lte=dt.time(22, 0),
                    window_start__lt=models.F("window_end"),
                ),
                name="core_sms_account_window",
            ),
        ]

    def __str__(self) -> str:
        return f"SMS account of agency {self.agency_id}"


class SmsCreditEntry(models.Model):
    """One movement of an agency's SMS credit, in rials (negative: spent)."""

    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up by the insurer")
        PAYMENT = "payment", _("Paid online")
        CHARGE = "charge", _("Messages sent")
        REFUND = "refund", _("Refund of refused messages")
        ADJUSTMENT = "adjustment", _("Adjustment")

    agency_id = models.BigIntegerField(_("agency"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = RialField(_("amount"))
    balance_after = RialField(_("credit after"))
    messages = models.PositiveIntegerField(_("messages"), default=0)
    parts = models.PositiveIntegerField(_("parts"), default=0)
    source = models.CharField(_("source"), max_length=60, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor_id = models.BigIntegerField(_("by"), null=True, blank=True)
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS credit entry")
        verbose_name_plural = _("SMS credit entries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency_id", "-created_at", "-id"], name="core_credit_log")]
        constraints = [
            # A payment or a top-up with a reference is recorded once, however often its
            # callback arrives.
            models.UniqueConstraint(
                fields=["agency_id", "reference"],
                name="core_credit_reference_once",
                condition=~models.Q(reference=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} (agency {self.agency_id})"


class SandboxPayment(models.Model):
    """A payment at the development sandbox bank (see core.payments.sandbox)."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("payment state", "Pending")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    token = models.CharField(max_length=100, unique=True)
    amount = RialField(_("amount"))
    reference = models.CharField(_("merchant reference"), max_length=100)
    callback_url = models.URLField(max_length=500)
    description = models.CharField(_("description"), max_length=300, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    bank_reference = models.CharField(_("bank reference"), max_length=20, blank=True)
    card_mask = models.CharField(_("card"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox bank payment")
        verbose_name_plural = _("sandbox bank payments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.token} {self.amount} ({self.state})"


class SmsTopUpPayment(models.Model):
    """One attempt of an agency to buy SMS credit online; verified with the bank at most
    once, and its credit recorded once (the ledger entry's reference is this payment's)."""

    class State(models.TextChoices):
        STARTED = "started", _("Started")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agency_id = models.BigIntegerField(_("agency"))
    amount = RialField(_("amount"))
    gateway = models.CharField(_("gateway"), max_length=30)
    token = models.CharField(_("gateway token"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.STARTED
    )
    reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    card_mask = models.CharField(_("card"), max_length=30, blank=True)
    message = models.CharField(_("gateway message"), max_length=300, blank=True)
    actor_id = models.BigIntegerField(_("by"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    callback_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS credit payment")
        verbose_name_plural = _("SMS credit payments")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The reconciliation sweep: open attempts, oldest first.
            models.Index(
                fields=["created_at"],
                name="core_sms_top_up_open",
                condition=models.Q(state="started"),
            ),
            models.Index(fields=["agency_id", "-created_at"], name="core_sms_top_up_agency"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "token"],
                condition=~models.Q(token=""),
                name="core_sms_top_up_token_once",
            )
        ]

    def __str__(self) -> str:
        return f"SMS credit payment {self.amount} of agency {self.agency_id} ({self.state})"

    @property
    def ledger_reference(self) -> str:
        """The reference of the credit this payment bought (one ledger entry per payment)."""
        return f"payment:{self.public_id}"

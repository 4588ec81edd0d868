"""Infrastructure records: the audit log and the SMS log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import RialField


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
    """One SMS, from queueing to the provider's answer. Sent by ``core.tasks.sms_send``."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

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
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    backend = models.CharField(_("backend"), max_length=40, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"SMS #{self.pk} to {self.to} ({self.status})"


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

"""Money between the agency and its customers (S-6.7): cheques, promissory notes and debit
notes with due dates. A bounced cheque lowers the customer's rank."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.text.fields import NormalizedCharField, NormalizedTextField
from crm.models.book import BookPolicy
from crm.models.customers import Customer


class Instrument(models.Model):
    """A cheque (چک), promissory note (سفته) or debit note (اعلامیه بدهکار) of a customer."""

    class Kind(models.TextChoices):
        CHEQUE = "cheque", _("Cheque")
        PROMISSORY_NOTE = "promissory", _("Promissory note")
        DEBIT_NOTE = "debit_note", _("Debit note")

    class State(models.TextChoices):
        DUE = "due", _("Not yet due or unpaid")
        CLEARED = "cleared", _("Cleared")
        BOUNCED = "bounced", _("Bounced")
        RETURNED = "returned", _("Returned to the customer")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="instruments"
    )
    book_policy = models.ForeignKey(
        BookPolicy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instruments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = RialField(_("amount"))
    due_date = models.DateField(_("due date"))
    bank_name = NormalizedCharField(_("bank"), max_length=100, blank=True)
    branch_name = NormalizedCharField(_("bank branch"), max_length=100, blank=True)
    number = models.CharField(_("serial number"), max_length=30, blank=True)
    # A cheque's 16-digit Sayad id (شناسه صیادی).
    sayad_id = models.CharField(_("Sayad id"), max_length=16, blank=True)
    drawer_name = NormalizedCharField(
        _("drawn by"),
        max_length=200,
        blank=True,
        help_text=_("When someone other than the customer signed it."),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DUE)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    notes = NormalizedTextField(_("notes"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cheque or note")
        verbose_name_plural = _("cheques and notes")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="crm_instrument_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(sayad_id="") | Q(sayad_id__regex=r"^[0-9]{16}$"),
                name="crm_instrument_sayad_format",
            ),
            models.UniqueConstraint(
                fields=["sayad_id"], condition=~Q(sayad_id=""), name="crm_instrument_unique_sayad"
            ),
        ]
        indexes = [
            # "Due soon" on the dashboard and the due-date SMS (issue 13).
            models.Index(fields=["due_date"], condition=Q(state="due"), name="crm_instrument_due"),
            models.Index(fields=["customer", "due_date"], name="crm_instrument_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()

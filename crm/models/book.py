"""The agency's book (S-6.2): every policy it sells here, copied from the public ledger, and
the policies its customers hold with other insurers, whose expiry it chases."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.text.fields import NormalizedCharField, NormalizedTextField
from crm.models.contacts import CustomerAddress
from crm.models.customers import Customer
from crm.models.directory import Marketer


class BookPolicy(models.Model):
    """A policy in the agency's book.

    ``origin=ledger``: sold here; ``policy_id``/``order_id`` are the public rows (plain ids),
    and number, line, dates and premium are copied so that lists never leave the schema.
    ``origin=other``: held with another insurer, typed or imported by the agency.
    """

    class Origin(models.TextChoices):
        LEDGER = "ledger", _("Sold here")
        OTHER = "other", _("Other insurer")

    class State(models.TextChoices):
        ACTIVE = "active", _("In force")
        EXPIRED = "expired", _("Expired")
        RENEWED = "renewed", _("Renewed")
        CANCELLED = "cancelled", _("Cancelled")

    class Delivery(models.TextChoices):
        POST = "post", _("Post")
        COURIER = "courier", _("Courier")
        AGENCY_COURIER = "agency_courier", _("Agency courier")
        IN_PERSON = "in_person", _("In person")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="book"
    )
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    policy_id = models.BigIntegerField(_("policy (ledger)"), null=True, blank=True)
    order_id = models.BigIntegerField(_("order (ledger)"), null=True, blank=True)
    # Other insurers: the code of the quote form's list (iran, asia, dana, alborz…) or
    # "other" with the name typed.
    insurer_code = models.SlugField(_("insurer"), max_length=40, blank=True)
    insurer_name = NormalizedCharField(_("insurer name"), max_length=100, blank=True)
    line_code = models.SlugField(_("line"), max_length=40)
    number = models.CharField(_("policy number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("expiry date"), null=True, blank=True)
    premium = RialField(_("premium"), null=True, blank=True)
    commission = RialField(_("commission"), null=True, blank=True)
    # What is insured: the vehicle and its plate, or a building, a trip, a person…
    subject = NormalizedCharField(_("insured subject"), max_length=200, blank=True)
    plate = NormalizedCharField(_("plate number"), max_length=30, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    renewed_by = models.OneToOneField(
        "self",
        verbose_name=_("renewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewal_of",
    )
    marketer = models.ForeignKey(
        Marketer,
        verbose_name=_("marketer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="book",
    )
    sold_by_user_id = models.BigIntegerField(_("sold by"), null=True, blank=True)
    quote_id = models.BigIntegerField(_("from quote"), null=True, blank=True)
    # Delivery of the printed policy (seed 001).
    delivery_method = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, blank=True
    )
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_time = models.TimeField(_("delivery time"), null=True, blank=True)
    delivery_address = models.ForeignKey(
        CustomerAddress,
        verbose_name=_("delivery address"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delivery_address_text = NormalizedCharField(
        _("delivery address (as written)"), max_length=500, blank=True
    )
    # Seed 001: four free fields, named in CrmSettings.
    extra_1 = NormalizedCharField(_("free field 1"), max_length=200, blank=True)
    extra_2 = NormalizedCharField(_("free field 2"), max_length=200, blank=True)
    extra_3 = NormalizedCharField(_("free field 3"), max_length=200, blank=True)
    extra_4 = NormalizedCharField(_("free field 4"), max_length=200, blank=True)
    notes = NormalizedTextField(_("notes"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy of the book")
        verbose_name_plural = _("the book")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_id"],
                condition=Q(policy_id__isnull=False),
                name="crm_book_unique_ledger_policy",
            ),
            models.CheckConstraint(
                condition=Q(origin="ledger", policy_id__isnull=False)
                | Q(origin="other", policy_id__isnull=True),
                name="crm_book_ledger_has_policy",
            ),
            models.CheckConstraint(
                condition=Q(origin="ledger") | ~Q(insurer_code="") | ~Q(insurer_name=""),
                name="crm_book_other_names_insurer",
            ),
            # An imported file read twice adds nothing.
            models.UniqueConstraint(
                fields=["insurer_code", "insurer_name", "line_code", "number"],
                condition=Q(origin="other") & ~Q(number=""),
                name="crm_book_unique_other_number",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="crm_book_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(premium__isnull=True) | Q(premium__gte=0),
                name="crm_book_premium_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(renewed_by=models.F("id")), name="crm_book_not_renewed_by_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-start_date"], name="crm_book_customer"),
            # Renewal lists and reminders (issues 13 and 14): what expires on a day.
            models.Index(
                fields=["end_date"], condition=Q(state="active"), name="crm_book_active_expiry"
            ),
            models.Index(fields=["state", "end_date"], name="crm_book_state_expiry"),
            # The book's list (soonest expiry first, its keyset pages) and the policies due in
            # a period with what retention counts of them, read from the index alone.
            models.Index(
                fields=["end_date", "-id"],
                include=[
                    "state",
                    "state_changed_at",
                    "renewed_by",
                    "line_code",
                    "customer",
                    "premium",
                    "commission",
                ],
                name="crm_book_expiry_covering",
            ),
            # The SMS preview's sample: the newest policy in force.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(state="active"),
                name="crm_book_active_recent",
            ),
            models.Index(fields=["line_code", "start_date"], name="crm_book_line_start"),
            models.Index(fields=["number"], name="crm_book_number"),
            # The CRM's reports (decision 062): each list's filter and order, the page's ids
            # read from the index alone.
            models.Index(
                fields=["end_date", "id"],
                include=["origin"],
                condition=Q(state="active"),
                name="crm_book_report_active",
            ),
            models.Index(
                fields=["end_date", "id"],
                include=["origin", "insurer_code", "insurer_name", "line_code"],
                condition=Q(renewed_by__isnull=True, state__in=["active", "expired"]),
                name="crm_book_report_unrenewed",
            ),
            models.Index(
                fields=["end_date", "id"],
                condition=Q(renewed_by__isnull=False) | Q(state="renewed"),
                name="crm_book_report_renewed",
            ),
            models.Index(
                fields=["start_date"],
                include=["customer", "line_code", "premium"],
                condition=Q(origin="ledger") & ~Q(state="cancelled"),
                name="crm_book_report_sales",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

"""Customers (مشتریان): prospective or definite, persons or companies. Everything here lives in
the agency's schema; ids of public rows (the customer's account) are plain integers
(decision 026). What hangs on a customer is in :mod:`crm.models.contacts`."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text.fields import NormalizedCharField, NormalizedTextField, search_key_field
from crm.models.directory import CustomerGroup, Marketer, Region


class Customer(models.Model):
    """A person or company the agency sells to (مشتری): prospective until the first policy
    of the agency's own (or one it records), then definite."""

    class Kind(models.TextChoices):
        PROSPECTIVE = "prospective", _("Prospective")
        DEFINITE = "definite", _("Definite")

    class Party(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        PHONE = "phone", _("Phone call")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("Visit")

    class Source(models.TextChoices):
        SITE = "site", _("Agency site")
        LEDGER = "ledger", _("Policy sold here")
        PANEL = "panel", _("Entered in the panel")
        IMPORT = "import", _("Imported file")
        QUOTE = "quote", _("Quote")
        LOOKUP = "lookup", _("Incoming call")

    class Language(models.TextChoices):
        PERSIAN = "fa", _("Persian")
        ENGLISH = "en", _("English")

    class ConsentSource(models.TextChoices):
        PURCHASE = "purchase", _("Bought a policy")
        FORM = "form", _("Signed form")
        VERBAL = "verbal", _("Said so on the phone or in person")
        SITE = "site", _("Agreed on the site")
        IMPORT = "import", _("Imported file")

    kind = models.CharField(
        _("kind"), max_length=12, choices=Kind.choices, default=Kind.PROSPECTIVE
    )
    party = models.CharField(
        pgettext_lazy("customer", "person or company"),
        max_length=8,
        choices=Party.choices,
        default=Party.PERSON,
    )
    first_name = NormalizedCharField(_("first name"), max_length=100, blank=True)
    last_name = NormalizedCharField(_("last name"), max_length=100, blank=True)
    company_name = NormalizedCharField(_("company name"), max_length=200, blank=True)
    # A person's ten-digit national code, or a company's eleven-digit national id.
    national_code = models.CharField(_("national code"), max_length=11, null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # The Jalali month and day of birth as MMDD (e.g. 1012 for 12 Dey): birthday messages
    # are sent on the Jalali day. Kept by Customer.save() and by every bulk writer.
    birth_jalali_month_day = models.PositiveSmallIntegerField(
        _("birthday (Jalali month and day)"), null=True, blank=True, editable=False
    )
    job = NormalizedCharField(_("job"), max_length=100, blank=True)
    position = NormalizedCharField(_("position"), max_length=100, blank=True)
    city = NormalizedCharField(_("city"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    # The primary mobile, mirrored from the customer's phones (searches, lists, SMS).
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    preferred_channel = models.CharField(
        _("preferred contact channel"), max_length=8, choices=Channel.choices, default=Channel.SMS
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.PERSIAN
    )
    # Other insurance needs: lines of the catalog by code, and what the catalog lacks.
    insurance_needs = ArrayField(
        models.SlugField(max_length=40),
        verbose_name=_("other insurance needs"),
        default=list,
        blank=True,
    )
    insurance_needs_note = NormalizedTextField(_("other insurance needs (notes)"), blank=True)
    marketer = models.ForeignKey(
        Marketer,
        verbose_name=_("marketer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
    )
    # Consent to SMS (promotional messages need it; see decision 026) and opting out.
    sms_consent = models.BooleanField(_("agrees to SMS"), default=False)
    sms_consent_at = models.DateTimeField(_("agreed to SMS at"), null=True, blank=True)
    sms_consent_source = models.CharField(
        _("how they agreed to SMS"), max_length=10, choices=ConsentSource.choices, blank=True
    )
    sms_consent_by_user_id = models.BigIntegerField(_("consent recorded by"), null=True, blank=True)
    sms_opted_out_at = models.DateTimeField(_("opted out of SMS at"), null=True, blank=True)
    # Renewal follow-up calls (issue 14) mark contact details found wrong.
    contact_inaccurate_at = models.DateTimeField(
        _("contact details found inaccurate at"), null=True, blank=True
    )
    notes = NormalizedTextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    user_id = models.BigIntegerField(_("account on the site"), null=True, blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_customers",
    )
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    groups = models.ManyToManyField(
        CustomerGroup,
        verbose_name=_("groups"),
        through="CustomerGroupMembership",
        related_name="customers",
        blank=True,
    )
    # Names, company, national code and mobile as one search key (core.text, decision 020).
    search_key = search_key_field(
        "first_name",
        "last_name",
        "company_name",
        "national_code",
        "mobile",
        verbose_name=_("search key"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live customer per national code; a merged customer keeps its own for history.
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(national_code__isnull=False, merged_into__isnull=True),
                name="crm_customer_unique_national_code",
            ),
            models.CheckConstraint(
                condition=Q(national_code__isnull=True)
                | Q(party="person", national_code__regex=r"^[0-9]{10}$")
                | Q(party="company", national_code__regex=r"^[0-9]{11}$"),
                name="crm_customer_national_code_format",
            ),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=r"^09[0-9]{9}$"),
                name="crm_customer_mobile_format",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="", last_name="", company_name=""),
                name="crm_customer_has_a_name",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="crm_customer_not_merged_into_self"
            ),
        ]
        indexes = [
            # The list, newest first; a search for a frequent word walks it and stops after a
            # page, a rare word goes to the trigram index (decision 026).
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(merged_into__isnull=True),
                name="crm_customer_live_recent",
            ),
            models.Index(
                fields=["kind", "-created_at"],
                condition=Q(merged_into__isnull=True),
                name="crm_customer_live_kind",
            ),
            models.Index(
                fields=["user_id"], condition=Q(user_id__isnull=False), name="crm_customer_user"
            ),
            models.Index(
                fields=["birth_jalali_month_day"],
                condition=Q(birth_jalali_month_day__isnull=False, merged_into__isnull=True),
                name="crm_customer_birthday",
            ),
            models.Index(fields=["mobile"], name="crm_customer_mobile"),
            # Sales per region (decision 062): a customer's region read from the index alone.
            models.Index(fields=["id"], include=["region"], name="crm_customer_region"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.birth_jalali_month_day = jalali_month_day(self.birth_date)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "birth_date" in update_fields:
            kwargs["update_fields"] = {*update_fields, "birth_jalali_month_day"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.party == self.Party.COMPANY and self.company_name:
            return self.company_name
        return f"{self.first_name} {self.last_name}".strip() or self.company_name

    @property
    def is_live(self) -> bool:
        return self.merged_into_id is None


def jalali_month_day(date) -> int | None:  # type: ignore[no-untyped-def]
    """A Gregorian date's Jalali month and day as MMDD, e.g. 1012; None for no date."""
    if date is None:
        return None
    from core.jalali import to_jalali

    jalali = to_jalali(date)
    return jalali.month * 100 + jalali.day

"""What hangs on a customer: phones, e-mails, postal addresses, related persons, group
memberships, and the history of merges (decision 026)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.text.fields import NormalizedCharField, NormalizedTextField
from crm.models.customers import Customer
from crm.models.directory import CustomerGroup


class CustomerPhone(models.Model):
    """A phone number of a customer, stored normalised: a mobile as ``09xxxxxxxxx``, any other
    number as its digits with the area code (``02188776655``). The index on the number is the
    caller lookup."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        LANDLINE = "landline", _("Home phone")
        WORK = "work", _("Work phone")
        FAX = "fax", _("Fax")
        OTHER = "other", _("Other phone")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="phones"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=16)
    extension = models.CharField(_("extension"), max_length=8, blank=True)
    label = NormalizedCharField(_("label"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    # Renewal calls (issue 14) mark a number that reached somebody else.
    marked_wrong_at = models.DateTimeField(_("marked wrong at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "number"], name="crm_phone_unique_per_customer"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="crm_phone_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^0[0-9]{9,14}$"), name="crm_phone_number_format"
            ),
            models.CheckConstraint(
                condition=~Q(kind="mobile") | Q(number__regex=r"^09[0-9]{9}$"),
                name="crm_phone_mobile_format",
            ),
        ]
        # (number, customer): the caller lookup is an index-only scan.
        indexes = [models.Index(fields=["number", "customer"], name="crm_phone_lookup")]

    def __str__(self) -> str:
        return self.number


class CustomerEmail(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="emails"
    )
    address = models.EmailField(_("e-mail"), max_length=254)
    label = NormalizedCharField(_("label"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail address")
        verbose_name_plural = _("e-mail addresses")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "address"], name="crm_email_unique_per_customer"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="crm_email_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(address=Lower("address")),
                name="crm_email_lower_case",
            ),
        ]
        indexes = [models.Index(fields=["address"], name="crm_email_address")]

    def __str__(self) -> str:
        return self.address


class CustomerAddress(models.Model):
    """A postal address of a customer, with its postal code and, when known, its map point."""

    class Kind(models.TextChoices):
        HOME = "home", _("Home")
        WORK = "work", _("Work")
        POSTAL = "postal", _("Postal")
        OTHER = "other", _("Other address")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="addresses"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.HOME)
    province = NormalizedCharField(_("province"), max_length=100, blank=True)
    city = NormalizedCharField(_("city"), max_length=100, blank=True)
    address = NormalizedCharField(_("address"), max_length=500)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("postal address")
        verbose_name_plural = _("postal addresses")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="crm_address_one_primary"
            ),
            models.CheckConstraint(
                condition=Q(postal_code="") | Q(postal_code__regex=r"^[0-9]{10}$"),
                name="crm_address_postal_code_format",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="crm_address_map_point",
            ),
        ]

    def __str__(self) -> str:
        return self.address


class CustomerRelation(models.Model):
    """A person related to a customer (spouse, parent, child, employer…), who has insurance
    needs of their own: another customer of the agency, or only a name (and maybe a mobile)
    until they become one. One row per link; the card shows it from both sides."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        SIBLING = "sibling", _("Brother or sister")
        EMPLOYER = "employer", _("Employer")
        EMPLOYEE = "employee", _("Employee")
        FRIEND = "friend", _("Friend")
        OTHER = "other", _("Other relation")

    # Seen from the related customer's side.
    INVERSE = {
        "spouse": "spouse",
        "parent": "child",
        "child": "parent",
        "sibling": "sibling",
        "employer": "employee",
        "employee": "employer",
        "friend": "friend",
        "other": "other",
    }

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="relations"
    )
    kind = models.CharField(_("relation"), max_length=10, choices=Kind.choices)
    related_customer = models.ForeignKey(
        Customer,
        verbose_name=_("related customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="related_from",
    )
    name = NormalizedCharField(_("name"), max_length=200, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    note = NormalizedTextField(_("note"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("related person")
        verbose_name_plural = _("related persons")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(related_customer__isnull=False) | ~Q(name=""),
                name="crm_relation_names_someone",
            ),
            models.CheckConstraint(
                condition=~Q(related_customer=models.F("customer")),
                name="crm_relation_not_to_self",
            ),
            models.UniqueConstraint(
                fields=["customer", "related_customer", "kind"],
                condition=Q(related_customer__isnull=False),
                name="crm_relation_unique_link",
            ),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=r"^09[0-9]{9}$"),
                name="crm_relation_mobile_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name or self.related_customer_id}"


class CustomerGroupMembership(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        CustomerGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    added_by_user_id = models.BigIntegerField(_("added by"), null=True, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            # (group, customer): a group's members in one index range (bulk SMS).
            models.UniqueConstraint(fields=["group", "customer"], name="crm_group_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.customer_id}"


class CustomerMerge(models.Model):
    """The history of a merge: ``merged`` (kept, with ``merged_into``) was folded into
    ``survivor``; what it held and what moved are recorded as they were."""

    survivor = models.ForeignKey(
        Customer, verbose_name=_("kept customer"), on_delete=models.PROTECT, related_name="+"
    )
    merged = models.OneToOneField(
        Customer,
        verbose_name=_("merged customer"),
        on_delete=models.PROTECT,
        related_name="merge",
    )
    merged_by_user_id = models.BigIntegerField(_("merged by"), null=True, blank=True)
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    snapshot = models.JSONField(_("merged customer as it was"), default=dict)
    moved = models.JSONField(_("what moved"), default=dict)

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["survivor", "-merged_at"], name="crm_merge_survivor")]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

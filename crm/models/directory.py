"""The agency's own lists the customers point at: regions, marketers, groups, and its CRM
settings (one row per agency schema)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text.fields import NormalizedCharField, NormalizedTextField


class Region(models.Model):
    """A region (ناحیه / منطقه) the agency divides its customers into, e.g. a district of
    its city; regions may sit inside a larger one."""

    name = NormalizedCharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("inside region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    city = NormalizedCharField(_("city"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["name"], name="crm_region_unique_name")]

    def __str__(self) -> str:
        return self.name


class Marketer(models.Model):
    """A marketer (بازاریاب) credited with the customers and sales they bring. Often not a
    member of the panel at all (a commission-paid outsider); when they are, ``member_user_id``
    is their public account (a plain id: no foreign key leaves the agency's schema)."""

    first_name = NormalizedCharField(_("first name"), max_length=100, blank=True)
    last_name = NormalizedCharField(_("last name"), max_length=100)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    national_code = models.CharField(_("national code"), max_length=10, blank=True)
    code = models.CharField(
        _("marketer code"),
        max_length=30,
        blank=True,
        help_text=_("The agency's own code for the marketer, if it has one."),
    )
    member_user_id = models.BigIntegerField(_("panel member"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = NormalizedTextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("marketer")
        verbose_name_plural = _("marketers")
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_user_id"],
                condition=Q(member_user_id__isnull=False),
                name="crm_marketer_unique_member",
            ),
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="crm_marketer_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomerGroup(models.Model):
    """A named group of customers (گروه), e.g. for a bulk SMS to all of them."""

    name = NormalizedCharField(_("name"), max_length=100)
    description = NormalizedTextField(_("description"), blank=True)
    created_by_user_id = models.BigIntegerField(_("created by"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer group")
        verbose_name_plural = _("customer groups")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["name"], name="crm_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class CrmSettings(models.Model):
    """The agency's CRM settings: exactly one row (id 1) per agency schema, created by the
    migration, so every agency (and every spare schema) has it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    # Seed 001: "four optional user fields" on each policy of the book, named by the agency.
    book_extra_1_label = NormalizedCharField(_("name of free field 1"), max_length=50, blank=True)
    book_extra_2_label = NormalizedCharField(_("name of free field 2"), max_length=50, blank=True)
    book_extra_3_label = NormalizedCharField(_("name of free field 3"), max_length=50, blank=True)
    book_extra_4_label = NormalizedCharField(_("name of free field 4"), max_length=50, blank=True)
    # Caller lookup from a telephony system: only the token's SHA-256 is kept.
    telephony_token_hash = models.CharField(_("telephony token (hash)"), max_length=64, blank=True)
    telephony_token_set_at = models.DateTimeField(
        _("telephony token set at"), null=True, blank=True
    )
    # Landlines typed without an area code get this one (e.g. 021 for Tehran).
    default_area_code = models.CharField(_("default area code"), max_length=4, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("CRM settings")
        verbose_name_plural = _("CRM settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="crm_settings_single_row")]

    def __str__(self) -> str:
        return str(_("CRM settings"))

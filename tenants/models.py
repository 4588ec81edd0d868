"""Agencies (tenants), their domains and branches, and the pool of spare schemas."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from core.text.fields import NormalizedCharField, NormalizedTextField


class Branch(models.Model):  # type: ignore[django-manager-missing]
    """An insurer branch (شعبه) that supervises agencies."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = NormalizedCharField(_("name"), max_length=200)
    city = NormalizedCharField(_("city"), max_length=100, blank=True)
    province = NormalizedCharField(_("province"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(TenantMixin):
    """An agent, broker or marketer with its own site ``arNNN.<BASE_DOMAIN>`` and schema."""

    class Kind(models.TextChoices):
        AGENT = "agent", _("Agent")
        BROKER = "broker", _("Broker")
        MARKETER = "marketer", _("Marketer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    # The schema is claimed from the spare pool by the provisioning service, never
    # created by django-tenants on save().
    auto_create_schema = False
    auto_drop_schema = False

    code = models.PositiveIntegerField(_("agency code"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.AGENT)
    name = NormalizedCharField(_("name"), max_length=200)
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    address = NormalizedCharField(_("address"), max_length=500, blank=True)
    city = NormalizedCharField(_("city"), max_length=100, blank=True)
    province = NormalizedCharField(_("province"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    accepts_referrals = models.BooleanField(_("accepts referrals"), default=True)
    can_issue = models.BooleanField(_("may issue policies"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def is_site_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @staticmethod
    def schema_name_for(code: int) -> str:
        return f"ar{code}"

    @staticmethod
    def subdomain_for(code: int) -> str:
        return f"ar{code}"


class Domain(DomainMixin):
    """A host name that serves an agency's site."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._original_domain = self.domain

    def __str__(self) -> str:
        return self.domain


class SpareSchema(models.Model):
    """A migrated, empty agency schema waiting to be claimed (renamed) by a new agency."""

    schema_name = models.CharField(max_length=63, unique=True)
    fingerprint = models.CharField(
        max_length=64, db_index=True, help_text="Migration state the schema was built at."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("spare schema")
        verbose_name_plural = _("spare schemas")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.schema_name


class ControlRequest(models.Model):
    """A branch manager's formal request to turn an agency's site on or off, or to restrict or
    allow a line on it; an operator decides (S-1.5). The row is the history: who asked, why,
    who decided, when."""

    class Kind(models.TextChoices):
        SITE_ACTIVATE = "site_on", _("Activate the site")
        SITE_DEACTIVATE = "site_off", _("Deactivate the site")
        LINE_RESTRICT = "line_off", _("Restrict a line")
        LINE_ALLOW = "line_on", _("Allow a line")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="control_requests",
    )
    kind = models.CharField(_("request"), max_length=10, choices=Kind.choices)
    line_code = models.SlugField(_("line"), max_length=40, blank=True)
    reason = NormalizedTextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = NormalizedTextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("site or line request")
        verbose_name_plural = _("site and line requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "line_code"],
                condition=models.Q(state="pending"),
                name="one_pending_request_per_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.agency_id}"

    @property
    def is_line(self) -> bool:
        return self.kind in (self.Kind.LINE_RESTRICT, self.Kind.LINE_ALLOW)

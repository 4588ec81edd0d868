"""Referral of paid main-site orders to the nearest agencies (S-3): settings, one referral
per order, its offers and everything that happened to them. All in the public schema."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReferralSettings(models.Model):
    """The operator's knobs (one row): K agencies per wave within R km, growing by a factor
    each wave, each offer valid T minutes, N waves; then the virtual branch."""

    wave_size = models.PositiveSmallIntegerField(
        _("agencies per wave (K)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    first_radius_km = models.DecimalField(
        _("first wave radius in km (R)"),
        max_digits=6,
        decimal_places=1,
        default=Decimal("10.0"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("2000"))],
    )
    radius_growth = models.DecimalField(
        _("radius growth per wave"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("10.00"))],
    )
    offer_minutes = models.PositiveSmallIntegerField(
        _("offer valid for minutes (T)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    max_waves = models.PositiveSmallIntegerField(
        _("waves before the virtual branch (N)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    enabled = models.BooleanField(
        _("refer main-site orders"),
        default=True,
        help_text=_("When off, paid main-site orders go straight to the virtual branch."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="referral_settings_single_row")
        ]

    def __str__(self) -> str:
        return str(_("referral settings"))

    def radius_km(self, wave: int) -> Decimal:
        """The radius of wave ``wave`` (1-based)."""
        return self.first_radius_km * self.radius_growth ** (wave - 1)

    def as_plan(self) -> dict:
        """What a referral keeps of the settings it started with (JSON-safe)."""
        return {
            "wave_size": self.wave_size,
            "first_radius_km": str(self.first_radius_km),
            "radius_growth": str(self.radius_growth),
            "offer_minutes": self.offer_minutes,
            "max_waves": self.max_waves,
        }


class Referral(models.Model):
    """One paid main-site order being offered to agencies, wave after wave.

    ``due_at`` is the due-time table: the sweeper moves every open referral whose time has
    come to its next wave (or to the virtual branch) under a row lock, so a restart or a
    killed worker neither loses nor doubles a wave.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Being offered")
        ACCEPTED = "accepted", _("Accepted by an agency")
        FALLEN = "fallen", _("Passed to the virtual branch")
        CLOSED = "closed", _("Closed")

    order = models.OneToOneField(
        "policies.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="referral"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    wave = models.PositiveSmallIntegerField(_("current wave"), default=0)
    plan = models.JSONField(_("settings used"), default=dict)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    location_source = models.CharField(_("location from"), max_length=20, default="map")
    due_at = models.DateTimeField(_("next wave due at"), null=True, blank=True)
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_won",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["due_at"], name="referral_open_due", condition=Q(state="open")),
        ]

    def __str__(self) -> str:
        return f"{_('referral')} {self.order_id}"


class Offer(models.Model):
    """One agency asked to take one order; the first to accept wins."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Taken by another agency")

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="offers"
    )
    agency = models.ForeignKey(
        "tenants.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="offers"
    )
    wave = models.PositiveSmallIntegerField(_("wave"))
    distance_m = models.PositiveIntegerField(_("distance in metres"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    offered_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "agency"], name="one_offer_per_agency"),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(state="accepted"),
                name="one_accepted_offer_per_referral",
            ),
        ]
        indexes = [models.Index(fields=["agency", "state", "-offered_at"])]

    def __str__(self) -> str:
        return f"{self.referral_id} → {self.agency_id} ({self.state})"

    @property
    def distance_km(self) -> Decimal:
        return (Decimal(self.distance_m) / 1000).quantize(Decimal("0.1"))


class ReferralEvent(models.Model):
    """The referral's record: each wave, offer, answer, expiry, withdrawal and fall-through."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Referral started")
        WAVE = "wave", _("Wave started")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        FALLEN = "fallen", _("Passed to the virtual branch")
        SKIPPED = "skipped", _("Not referred")

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    order = models.ForeignKey(
        "policies.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    wave = models.PositiveSmallIntegerField(_("wave"), default=0)
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

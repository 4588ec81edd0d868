"""Advice requests (S-8.2, seed 002): a customer asks for advice on a line; nearby agencies
that sell it are offered the request wave after wave (as referrals are) and each may answer
once; the customer accepts one answer, and only then do both sides see each other.
All in the public schema."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.text.fields import NormalizedCharField, NormalizedTextField


class AdviceRequest(models.Model):
    """One customer's question on one line, offered to the agencies near them.

    ``due_at`` is the due time of the next wave (the sweep widens the circle while nobody
    has answered) and ``expires_at`` the moment an unanswered or unaccepted request lapses.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for answers")
        ACCEPTED = "accepted", _("Agency chosen")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="advice_requests",
    )
    line = models.ForeignKey(
        "policies.Line", verbose_name=_("line"), on_delete=models.PROTECT, related_name="+"
    )
    note = NormalizedTextField(_("note"), max_length=1000, blank=True)
    province = NormalizedCharField(_("province"), max_length=100, blank=True)
    city = NormalizedCharField(_("city"), max_length=100, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    location_source = models.CharField(_("location from"), max_length=10, default="map")
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    wave = models.PositiveSmallIntegerField(_("current wave"), default=0)
    plan = models.JSONField(_("settings used"), default=dict)
    due_at = models.DateTimeField(_("next wave due at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_answer = models.OneToOneField(
        "advice.AdviceAnswer",
        verbose_name=_("accepted answer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer_notified = models.BooleanField(_("customer told of an answer"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("advice request")
        verbose_name_plural = _("advice requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["due_at"], name="advice_open_due", condition=Q(state="open")),
            models.Index(
                fields=["expires_at"], name="advice_open_expiry", condition=Q(state="open")
            ),
            models.Index(fields=["customer", "-created_at"], name="advice_customer_recent"),
        ]
        constraints = [
            # One live request per customer and line: cancel it to post again.
            models.UniqueConstraint(
                fields=["customer", "line"],
                condition=Q(state="open"),
                name="advice_one_open_request_per_line",
            )
        ]

    def __str__(self) -> str:
        return f"{_('advice request')} {self.pk}"


class AdviceOffer(models.Model):
    """The request shown to one agency (it may answer once while the request is open)."""

    request = models.ForeignKey(
        AdviceRequest,
        verbose_name=_("advice request"),
        on_delete=models.CASCADE,
        related_name="offers",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="advice_offers",
    )
    wave = models.PositiveSmallIntegerField(_("wave"))
    distance_m = models.PositiveIntegerField(_("distance in metres"))
    offered_at = models.DateTimeField(_("offered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("advice offer")
        verbose_name_plural = _("advice offers")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "agency"], name="advice_one_offer_per_agency"
            )
        ]
        indexes = [models.Index(fields=["agency", "-offered_at"], name="advice_offer_agency")]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.agency_id}"

    @property
    def distance_km(self):
        from decimal import Decimal

        return (Decimal(self.distance_m) / 1000).quantize(Decimal("0.1"))


class AdviceAnswer(models.Model):
    """An agency's one answer: a message and, if it likes, a premium quote in rials.
    ``number`` is the answer's place in its request ("Agency 1, 2…" to the customer)."""

    request = models.ForeignKey(
        AdviceRequest,
        verbose_name=_("advice request"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    agency = models.ForeignKey(
        "tenants.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    message = NormalizedTextField(_("answer text"), max_length=2000)
    premium = RialField(_("premium quote"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("advice answer")
        verbose_name_plural = _("advice answers")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "agency"], name="advice_one_answer_per_agency"
            ),
            models.UniqueConstraint(fields=["request", "number"], name="advice_answer_number"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.number}"


class AdviceRating(models.Model):
    """The customer's rating of the agency they chose (once)."""

    request = models.OneToOneField(
        AdviceRequest,
        verbose_name=_("advice request"),
        on_delete=models.CASCADE,
        related_name="rating",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="advice_ratings",
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = NormalizedTextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("advice rating")
        verbose_name_plural = _("advice ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="advice_rating_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score}"

"""Agency sign-up (S-8.1, seed 002): an application to become an agency of the insurer.

An agent, broker or marketer applies on the main site with the account they logged in to by
SMS code: stage 1 is the form (identity, address, location) and the acceptance of the terms;
stage 2 the kind of agency, the lines wanted, the licence number and a photo of the licence.
The insurer's operators verify it on the ops host; approval provisions the agency.
States change only in ``onboarding.services.application_transition``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage
from core.text.fields import NormalizedCharField, NormalizedTextField, search_key_field
from core.text.words import search_words_field
from core.validators import validate_national_code
from tenants.models import Agency

# The ops queue's time of an application: when it was submitted, or made (a draft). Never
# NULL, so that a page after the last one shown is one range of an index (core.keyset).
QUEUE_AT = Coalesce("submitted_at", "created_at")


def licence_upload_to(instance: AgencyApplication, filename: str) -> str:
    """Licence photos are private (decision 018), under a random name, never the applicant's."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"onboarding/{instance.public_id}/{uuid.uuid4().hex}.{extension}"


class AgencyApplication(models.Model):
    """An application to become an agency (درخواست نمایندگی)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, waiting for review")
        CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
        RESUBMITTED = "resubmitted", _("Corrected, waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    # The agency to be: the same kinds as ``tenants.Agency``.
    Kind = Agency.Kind

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="agency_applications",
    )
    state = models.CharField(
        _("state"), max_length=24, choices=State.choices, default=State.DRAFT, db_index=True
    )
    # Stage 1: who and where
    first_name = NormalizedCharField(_("first name"), max_length=100)
    last_name = NormalizedCharField(_("last name"), max_length=100)
    national_code = models.CharField(
        _("national code"), max_length=10, validators=[validate_national_code]
    )
    mobile = models.CharField(_("mobile number"), max_length=11)
    agency_name = NormalizedCharField(_("agency name"), max_length=200, blank=True)
    province = NormalizedCharField(_("province"), max_length=100)
    city = NormalizedCharField(_("city"), max_length=100)
    address = NormalizedCharField(_("address"), max_length=500)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    terms_version = models.CharField(_("terms version"), max_length=20)
    terms_accepted_at = models.DateTimeField(_("terms accepted at"))
    # Stage 2: what kind of agency, which lines, the licence
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, blank=True)
    line_codes = models.JSONField(_("lines wanted"), default=list, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=30, blank=True)
    licence_file = models.FileField(
        _("licence photo"),
        upload_to=licence_upload_to,
        storage=private_storage,
        max_length=300,
        blank=True,
    )
    licence_content_type = models.CharField(max_length=100, blank=True)
    licence_size = models.PositiveIntegerField(default=0)
    licence_sha256 = models.CharField(max_length=64, blank=True)
    licence_original_name = models.CharField(max_length=255, blank=True)
    # The review
    note = NormalizedTextField(_("note to the applicant"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.OneToOneField(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
    )
    owner_sms_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_key = search_key_field(
        "first_name",
        "last_name",
        "national_code",
        "licence_number",
        "mobile",
        "agency_name",
        verbose_name=_("search key"),
    )
    # The queue's search by the start of a word, through a GIN index (core.text.words).
    search_words = search_words_field(
        "first_name",
        "last_name",
        "national_code",
        "licence_number",
        "mobile",
        "agency_name",
        verbose_name=_("search words"),
    )

    # Pending or approved: these hold their national code and licence number against others.
    HOLDING = (
        State.SUBMITTED,
        State.CORRECTION_REQUESTED,
        State.RESUBMITTED,
        State.APPROVED,
    )
    EDITABLE = (State.DRAFT, State.CORRECTION_REQUESTED)
    WAITING = (State.SUBMITTED, State.RESUBMITTED)

    class Meta:
        verbose_name = _("agency application")
        verbose_name_plural = _("agency applications")
        ordering = ["-created_at", "-id"]
        # The ops queue (keyset pages by QUEUE_AT and id): the waiting ones oldest first, a
        # state's in the order they came (either way), every application newest first; and
        # its search by the start of words.
        indexes = [
            models.Index(
                QUEUE_AT,
                "id",
                name="application_waiting",
                condition=Q(state__in=["submitted", "resubmitted"]),
            ),
            models.Index("state", QUEUE_AT, "id", name="application_queue"),
            models.Index(QUEUE_AT, "id", name="application_all"),
            GinIndex(fields=["search_words"], name="application_search_words"),
        ]
        constraints = [
            # The last guard of the duplicates rule: two pending or approved applications
            # never share a national code or a licence number, whatever races.
            models.UniqueConstraint(
                fields=["national_code"],
                condition=models.Q(
                    state__in=["submitted", "correction_requested", "resubmitted", "approved"]
                ),
                name="one_held_application_per_national_code",
            ),
            models.UniqueConstraint(
                fields=["licence_number"],
                condition=models.Q(
                    state__in=["submitted", "correction_requested", "resubmitted", "approved"]
                ),
                name="one_held_application_per_licence",
            ),
            # One open application per account.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(
                    state__in=["draft", "submitted", "correction_requested", "resubmitted"]
                ),
                name="one_open_application_per_applicant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_state_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE

    @property
    def stage_two_missing(self) -> list[str]:
        """What stage 2 still lacks (field names), for the submit button and the API."""
        missing = []
        if not self.kind:
            missing.append("kind")
        if not self.line_codes:
            missing.append("line_codes")
        if not self.licence_number:
            missing.append("licence_number")
        if not self.licence_file:
            missing.append("licence_file")
        return missing

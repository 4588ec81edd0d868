"""Claims (خسارت, S-8.3): filed by the customer on one of their policies, with the line's
document checklist, worked by the insurer's staff through assessment to payment, seen by
the selling agency. Public schema: the insurer's ledger (decision 048)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import RialField
from core.storage import private_storage
from core.text.fields import NormalizedCharField, NormalizedTextField, search_key_field
from core.text.words import search_words_field

# The checklist used for a line that has none of its own.
DEFAULT_LINE = "*"


class ChecklistItem(models.Model):
    """One document a claim of a line asks for (e.g. third-party motor: driving licence).
    Data, seeded by a migration and kept in the admin; ``line_code`` ``*`` is the default
    list for lines without their own."""

    line_code = models.SlugField(_("line code"), max_length=40)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    label_en = models.CharField(_("label in English"), max_length=100, blank=True)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("claim document")
        verbose_name_plural = _("claim documents")
        ordering = ["line_code", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line_code", "code"], name="claims_checklist_unique")
        ]

    def __str__(self) -> str:
        return f"{self.line_code}: {self.label}"


class Claim(models.Model):
    """A claim on a policy. Its state moves only through ``claims.services.MOVES``."""

    class State(models.TextChoices):
        FILED = "filed", _("Filed")
        DOCUMENTS_COMPLETE = "documents_complete", _("Documents complete")
        ASSESSOR_ASSIGNED = "assessor_assigned", _("Assessor assigned")
        ASSESSED = "assessed", _("Assessed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAYMENT_ORDERED = "payment_ordered", _("Payment ordered")
        PAID = "paid", _("Paid")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("claim number"), max_length=20, unique=True)
    policy = models.ForeignKey(
        "policies.Policy",
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Copied from the policy: the queue filters and the panel's agency filter need no join.
    line = models.ForeignKey(
        "policies.Line", verbose_name=_("line"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("selling agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    insured_name = NormalizedCharField(_("insured"), max_length=201, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11)
    occurred_at = models.DateTimeField(_("time of the event"))
    province = NormalizedCharField(_("province"), max_length=100)
    city = NormalizedCharField(_("city"), max_length=100)
    place = NormalizedCharField(_("place"), max_length=300)
    description = NormalizedTextField(_("description"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.FILED, db_index=True
    )
    # Missing documents: asked for by SMS, then reminded a capped number of times.
    missing_note = NormalizedTextField(_("documents asked for"), max_length=500, blank=True)
    missing_requested_at = models.DateTimeField(_("documents asked for at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminder_at = models.DateTimeField(_("last reminder at"), null=True, blank=True)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The assessment: what the assessor entered and the amount computed from it.
    damage = RialField(_("damage"), null=True, blank=True)
    sum_insured = RialField(_("sum insured or limit"), null=True, blank=True)
    deductible = RialField(_("deductible"), null=True, blank=True)
    ratio_percent = models.DecimalField(
        _("ratio (percent)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    amount = RialField(_("amount payable"), null=True, blank=True)
    rejection_reason = NormalizedTextField(_("rejection reason"), max_length=500, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=40, blank=True)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    search_key = search_key_field(
        "number", "insured_name", "mobile", "place", verbose_name=_("search key")
    )
    # The queue's search by the start of a word (insured, mobile, place) through a GIN index
    # (core.text.words; the number is matched whole by its own unique index).
    search_words = search_words_field(
        "insured_name", "mobile", "place", verbose_name=_("search words")
    )

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["filed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="claims_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(amount__isnull=False, paid_at__isnull=False),
                name="claims_paid_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(rejection_reason=""),
                name="claims_rejected_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "filed_at", "id"], name="claims_queue"),
            # The queue of every state, oldest first, and its deep pages.
            models.Index(fields=["filed_at", "id"], name="claims_queue_all"),
            # A line's queue, in one state or all, oldest first (keyset pages: id last).
            models.Index(fields=["line", "state", "filed_at", "id"], name="claims_line_queue"),
            models.Index(fields=["line", "filed_at", "id"], name="claims_line_all"),
            GinIndex(fields=["search_words"], name="claims_search_words"),
            models.Index(fields=["agency", "-filed_at"], name="claims_agency"),
            models.Index(fields=["customer", "-filed_at"], name="claims_customer"),
            models.Index(fields=["policy", "occurred_at"], name="claims_policy_event"),
        ]

    def __str__(self) -> str:
        return self.number


def _document_path(instance: ClaimDocument, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"claims/{instance.claim.public_id}/{uuid.uuid4().hex}.{extension}"


class ClaimDocument(models.Model):
    """An uploaded document of a claim (private storage; served only to the customer, the
    insurer's staff and the selling agency)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.SlugField(_("document"), max_length=40)
    file = models.FileField(
        _("file"), upload_to=_document_path, storage=private_storage, max_length=200
    )
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim document file")
        verbose_name_plural = _("claim document files")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["claim", "kind"], name="claims_document_kind")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.kind}"


class ClaimEvent(models.Model):
    """One step of a claim's timeline, as the customer and the staff see it."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="events"
    )
    state = models.CharField(_("state"), max_length=20, choices=Claim.State.choices)
    event = models.CharField(_("event"), max_length=30)
    note = NormalizedTextField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["claim", "at"], name="claims_event_claim")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.event}"

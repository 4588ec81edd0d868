"""Quotes, orders with their documents and payments, policies, and the sales record (S-2)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.labels import PAYMENT_GATEWAYS, actor_label
from core.money import RialField
from core.storage import private_storage
from core.text.fields import NormalizedCharField, NormalizedTextField
from policies.labels import SALES_EVENTS
from policies.models.catalog import Line, TariffVersion, breakdown_shown


class Quote(models.Model):
    """A priced answer to "how much?": the answers, the tariff version and the breakdown."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.PROTECT)
    tariff_version = models.ForeignKey(
        TariffVersion, verbose_name=_("tariff version"), on_delete=models.PROTECT
    )
    answers = models.JSONField(_("answers"), default=dict)
    premium = RialField(_("premium"))
    breakdown = models.JSONField(
        _("breakdown"), default=list, help_text=_('[{"code", "label", "amount"}, …]')
    )
    term_days = models.PositiveSmallIntegerField(_("term in days"))
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.line} {self.premium}"

    @property
    def breakdown_shown(self) -> list[dict]:
        """The breakdown with its lines named in the page's language."""
        return breakdown_shown(self.breakdown, self.tariff_version)


class Order(models.Model):
    """A purchase in progress or done; its state changes only through policies.services."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        ISSUED = "issued", _("Issued")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        MAIN = "main", _("Main site")
        AGENCY = "agency", _("Agency site")

    class Delivery(models.TextChoices):
        POST = "post", _("Post")
        COURIER = "courier", _("Courier")
        AGENCY_COURIER = "agency_courier", _("Agency courier")
        IN_PERSON = "in_person", _("In person")

    class Slot(models.TextChoices):
        MORNING = "09-12", _("9 to 12")
        AFTERNOON = "12-15", _("12 to 15")
        EVENING = "15-18", _("15 to 18")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text=_("The selling agency; empty while a main-site order waits for one."),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.PROTECT)
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.PROTECT)
    tariff_version = models.ForeignKey(
        TariffVersion, verbose_name=_("tariff version"), on_delete=models.PROTECT
    )
    premium = RialField(_("premium"))
    breakdown = models.JSONField(_("breakdown"), default=list)
    term_days = models.PositiveSmallIntegerField(_("term in days"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    step = models.CharField(_("last completed step"), max_length=20, blank=True, default="quote")
    # The insured person.
    insured_first_name = NormalizedCharField(_("first name"), max_length=100, blank=True)
    insured_last_name = NormalizedCharField(_("last name"), max_length=100, blank=True)
    insured_national_code = models.CharField(_("national code"), max_length=10, blank=True)
    insured_birth_date = models.DateField(_("birth date"), null=True, blank=True)
    insured_mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    # The line's extra data (answers to its "details" questions).
    details = models.JSONField(_("details"), default=dict, blank=True)
    # Delivery of the printed policy.
    delivery_method = models.CharField(
        _("delivery"), max_length=20, choices=Delivery.choices, blank=True
    )
    delivery_province = NormalizedCharField(_("province"), max_length=100, blank=True)
    delivery_city = NormalizedCharField(_("city"), max_length=100, blank=True)
    delivery_address = NormalizedCharField(_("address"), max_length=500, blank=True)
    delivery_postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_slot = models.CharField(
        _("time slot"), max_length=10, choices=Slot.choices, blank=True
    )
    # Where the customer is: referral to the nearest agencies starts here.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    awaiting_agency = models.BooleanField(
        _("being offered to agencies"),
        default=False,
        help_text=_(
            "A paid main-site order the virtual branch leaves alone while agencies are offered it."
        ),
    )
    rejection_reason = NormalizedTextField(_("rejection reason"), blank=True)
    refund_due = models.BooleanField(_("refund due"), default=False)
    renews = models.ForeignKey(
        "policies.Policy",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_orders",
        help_text=_("The policy this order renews (from the customer's account)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("issued / rejected / cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "state", "-created_at"]),
            models.Index(fields=["customer", "-created_at"]),
            # An agency's customers (panel): the buyers read from the index alone.
            models.Index(
                fields=["agency", "customer"],
                condition=~Q(state="draft"),
                name="order_agency_customer",
            ),
            # An agency's orders past the draft, newest first (the panel's sales list, a
            # page after the last shown).
            models.Index(
                fields=["agency", "-created_at", "-id"],
                condition=~Q(state="draft"),
                name="order_agency_recent",
            ),
            # The virtual branch's issued orders, newest first (a page after the last shown).
            models.Index(
                fields=["-closed_at", "-id"],
                condition=Q(state="issued"),
                name="order_issued_recent",
            ),
            # Its queue of paid orders, oldest payment first (keyset pages), with the agency
            # in the index so that the waiting count reads the index alone (decision 063).
            models.Index(
                fields=["paid_at", "id"],
                include=["agency"],
                condition=Q(state="paid", awaiting_agency=False),
                name="order_paid_queue",
            ),
            # Its rejected orders (refunds due), newest first.
            models.Index(
                fields=["-closed_at", "-id"],
                condition=Q(state="rejected"),
                name="order_rejected_recent",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel="main") | Q(agency__isnull=False),
                name="agency_order_has_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('order')} {self.number}"

    @property
    def number(self) -> str:
        """The number customers and staff quote: short, stable, not guessable in bulk."""
        return f"{self.pk:07d}" if self.pk else ""

    @property
    def insured_name(self) -> str:
        return f"{self.insured_first_name} {self.insured_last_name}".strip()

    @property
    def is_payable(self) -> bool:
        return self.state == self.State.AWAITING_PAYMENT

    @property
    def breakdown_shown(self) -> list[dict]:
        return breakdown_shown(self.breakdown, self.tariff_version)


def document_upload_to(instance: OrderDocument, filename: str) -> str:
    """Documents are kept per agency (main-site orders under ``main``), never by their name,
    in private storage (decision 018)."""
    order = instance.order
    owner = f"ar{order.agency.code}" if order.agency is not None else "main"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{owner}/{order.public_id}/{uuid.uuid4().hex}.{extension}"


class OrderDocument(models.Model):
    """An uploaded document (jpg, png or pdf, at most 5 MB, content checked)."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.SlugField(_("document"), max_length=40)
    file = models.FileField(
        _("file"), upload_to=document_upload_to, storage=private_storage, max_length=300
    )
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["order", "kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.original_name})"

    @property
    def kind_label(self) -> str:
        """The name of the document the line asks for under this code."""
        requirement = self.order.line.document_requirements.filter(code=self.kind).first()
        return requirement.display_label if requirement else str(_("Other document"))


class Payment(models.Model):
    """One attempt to pay an order through a gateway; verified at most once."""

    class State(models.TextChoices):
        STARTED = "started", _("Started")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    gateway = models.CharField(_("gateway"), max_length=30)
    amount = RialField(_("amount"))
    token = models.CharField(_("gateway token"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.STARTED, db_index=True
    )
    reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    card_mask = models.CharField(_("card"), max_length=30, blank=True)
    message = models.CharField(_("gateway message"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    callback_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "attempt"], name="unique_payment_attempt"),
            models.UniqueConstraint(
                fields=["gateway", "token"],
                condition=~Q(token=""),
                name="unique_gateway_token",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(state="succeeded"),
                name="one_successful_payment_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.amount} ({self.state})"

    @property
    def gateway_label(self) -> str:
        return PAYMENT_GATEWAYS.label(self.gateway)


class PolicySequence(models.Model):
    """The last policy number used per line and Jalali year (gapless, locked at issuance)."""

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="+")
    jalali_year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "jalali_year"], name="unique_policy_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.line_id}/{self.jalali_year}: {self.last}"


def policy_pdf_upload_to(instance: Policy, filename: str) -> str:
    """A random name in private storage: nothing printed on the policy (its number or its
    verification code) leads to the file."""
    owner = f"ar{instance.agency.code}" if instance.agency is not None else "main"
    return f"policies/{owner}/{instance.jalali_year}/{uuid.uuid4().hex}.pdf"


class Policy(models.Model):
    """An issued insurance policy (بیمه‌نامه) with its number and e-policy PDF."""

    class State(models.TextChoices):
        ACTIVE = "active", _("In force")
        CANCELLED = "cancelled", _("Cancelled")

    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="policy"
    )
    number = models.CharField(_("policy number"), max_length=30, unique=True)
    line = models.ForeignKey(Line, verbose_name=_("line"), on_delete=models.PROTECT)
    jalali_year = models.PositiveSmallIntegerField(_("Jalali year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    premium = RialField(_("premium"))
    breakdown = models.JSONField(_("breakdown"), default=list)
    tariff_version = models.ForeignKey(
        TariffVersion, verbose_name=_("tariff version"), on_delete=models.PROTECT
    )
    verification_code = models.CharField(_("verification code"), max_length=16, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by_virtual_branch = models.BooleanField(_("issued by the virtual branch"), default=False)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True, db_index=True)
    pdf = models.FileField(
        _("PDF"),
        upload_to=policy_pdf_upload_to,
        storage=private_storage,
        blank=True,
        max_length=300,
    )
    pdf_rendered_at = models.DateTimeField(_("PDF rendered at"), null=True, blank=True)
    # Set once, when the policy is ended early (cancellation, decision 049).
    cancelled_on = models.DateField(_("ended on"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    refund_amount = RialField(_("refund"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "jalali_year", "sequence"], name="unique_policy_sequence_number"
            ),
        ]
        indexes = [
            # The dashboard's sales of a period read the premium from the index alone.
            models.Index(
                fields=["agency", "-issued_at"], include=["premium"], name="policy_agency_issued"
            ),
            # The reports' open days read from the index alone (decision 060).
            models.Index(
                fields=["issued_at"],
                include=["id", "agency", "line", "premium", "order"],
                name="policy_issued_cover",
            ),
            # Settlement's daily build finds the refunds of the days it builds (decision 049).
            models.Index(
                fields=["cancelled_at"],
                name="policy_cancelled_at",
                condition=models.Q(cancelled_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def breakdown_shown(self) -> list[dict]:
        return breakdown_shown(self.breakdown, self.tariff_version)


class SalesEvent(models.Model):
    """The sales record kept for the regulator: every step of every sale, who, when, from where."""

    event = models.CharField(_("event"), max_length=40)
    order = models.ForeignKey(
        Order,
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    quote = models.ForeignKey(
        Quote,
        verbose_name=_("quote"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency = models.ForeignKey(
        "tenants.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the index sales_event_agency leads with it
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("by (label)"), max_length=100, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sales record entry")
        verbose_name_plural = _("sales record")
        ordering = ["-created_at", "-id"]
        # The record is read newest first a page at a time (keyset, decision 063): all of
        # it by created_at's own index, one event's or one agency's by these.
        indexes = [
            models.Index(fields=["event", "created_at", "id"], name="sales_event_kind"),
            models.Index(fields=["agency", "created_at", "id"], name="sales_event_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.order_id}"

    @property
    def event_label(self) -> str:
        """What happened, in words (never the stored code)."""
        return SALES_EVENTS.label(self.event)

    @property
    def actor_name(self) -> str:
        """Who: the person's name (or mobile number), or the part of the system."""
        return actor_label(user=self.actor, label=self.actor_label)[0]

"""The catalog: lines of insurance, their questions, and versioned tariffs as data (S-2.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.languages import english_active, in_language
from core.text.fields import NormalizedCharField, NormalizedTextField


class Line(models.Model):
    """A line of insurance (رشته), e.g. third-party motor, with what a sale of it needs."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    number_code = models.PositiveSmallIntegerField(
        _("number code"),
        unique=True,
        help_text=_("Two digits that identify the line inside policy numbers."),
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    summary_en = models.CharField(_("summary in English"), max_length=300, blank=True)
    term_days = models.PositiveSmallIntegerField(
        _("term in days"),
        default=365,
        help_text=_("Cover length when the tariff does not set it (travel does)."),
    )
    term_question = models.SlugField(
        _("term question"),
        max_length=40,
        blank=True,
        help_text=_("The question whose answer is the cover length in days (travel)."),
    )
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("line of insurance")
        verbose_name_plural = _("lines of insurance")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The line's name in the page's language."""
        return in_language(self.name, self.name_en)

    @property
    def display_summary(self) -> str:
        return in_language(self.summary, self.summary_en)


class Question(models.Model):
    """A question the customer answers, for the quote or as the line's extra purchase data."""

    class Stage(models.TextChoices):
        QUOTE = "quote", _("Premium inquiry")
        DETAILS = "details", _("Purchase details")

    class Kind(models.TextChoices):
        CHOICE = "choice", _("Choice")
        INTEGER = "integer", _("Whole number")
        AMOUNT = "amount", _("Amount in rials")
        BOOLEAN = "boolean", _("Yes / no")
        TEXT = "text", _("Text")

    line = models.ForeignKey(
        Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="questions"
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.QUOTE)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    help_text_en = models.CharField(_("help text in English"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    required = models.BooleanField(_("required"), default=True)
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For a choice: a list of {"value": ..., "label": ..., "label_en": ...}.'),
    )
    min_value = models.DecimalField(
        _("minimum"), max_digits=18, decimal_places=0, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=18, decimal_places=0, null=True, blank=True
    )
    pattern = models.CharField(
        _("pattern"), max_length=200, blank=True, help_text=_("For text: a regular expression.")
    )
    default = models.CharField(_("default"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["line", "stage", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "code"], name="unique_question_code_per_line")
        ]

    def __str__(self) -> str:
        return f"{self.line.code}.{self.code}"

    @property
    def display_label(self) -> str:
        """The question in the page's language."""
        return in_language(self.label, self.label_en)

    @property
    def display_help(self) -> str:
        return in_language(self.help_text, self.help_text_en)

    @property
    def display_choices(self) -> list[tuple[str, str]]:
        """``(value, name)`` of each choice, names in the page's language."""
        return [
            (str(choice["value"]), in_language(choice["label"], choice.get("label_en", "")))
            for choice in self.choices
        ]

    @property
    def display_choice_dicts(self) -> list[dict[str, str]]:
        """The choices as the API gives them: ``{"value", "label"}`` in the asked language."""
        return [{"value": value, "label": label} for value, label in self.display_choices]

    def choice_label(self, value: object) -> str | None:
        """The name of the choice ``value`` in the page's language (None: not a choice)."""
        return dict(self.display_choices).get(str(value))

    @property
    def is_latin_code(self) -> bool:
        """A text answer written in Latin letters and digits (a chassis, engine or passport
        number): shown as typed, with its Latin digits, in every language."""
        return self.kind == self.Kind.TEXT and ("A-Z" in self.pattern or "a-z" in self.pattern)


class DocumentRequirement(models.Model):
    """A document a buyer of the line uploads (vehicle card, previous policy, passport)."""

    line = models.ForeignKey(
        Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="document_requirements"
    )
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["line", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "code"], name="unique_document_code_per_line")
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return in_language(self.label, self.label_en)


class TariffVersion(models.Model):
    """One version of a line's tariff. Quotes record the version they were priced with."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    line = models.ForeignKey(
        Line, verbose_name=_("line"), on_delete=models.PROTECT, related_name="tariff_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source file"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff version")
        verbose_name_plural = _("tariff versions")
        ordering = ["line", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["line", "number"], name="unique_tariff_version"),
            models.UniqueConstraint(
                fields=["line"],
                condition=Q(status="active"),
                name="one_active_tariff_per_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} v{self.number}"


class TariffRule(models.Model):
    """One step of a tariff: read an answer, look it up in ``table``, change the premium."""

    class Kind(models.TextChoices):
        BASE = "base", _("Base premium from a table")
        RATE = "rate", _("Rate on an insured amount")
        FACTOR = "factor", _("Factor")
        DISCOUNT = "discount", _("Discount")
        SURCHARGE = "surcharge", _("Surcharge")
        COVER = "cover", _("Optional cover")
        TAX = "tax", _("Tax or duty")

    version = models.ForeignKey(
        TariffVersion,
        verbose_name=_("tariff version"),
        on_delete=models.CASCADE,
        related_name="rules",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    question = models.CharField(
        _("question"),
        max_length=200,
        blank=True,
        help_text=_("Answer codes it reads, '|' separated."),
    )
    basis = models.CharField(
        _("applies to"), max_length=40, blank=True, help_text=_("The amount it applies to.")
    )
    table = models.JSONField(_("table"), default=dict, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        verbose_name = _("tariff rule")
        verbose_name_plural = _("tariff rules")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_rule_code_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.version} #{self.position} {self.code}"

    @property
    def display_label(self) -> str:
        return in_language(self.label, self.label_en)


def breakdown_shown(items: list[dict], version: TariffVersion | None) -> list[dict]:
    """A stored breakdown (``[{"code", "label", "label_en", "amount"}]``) with each line's
    ``label`` in the page's language. Lines stored before they carried their English name
    take it from the tariff version's rule of the same code."""
    if not english_active():
        return [dict(item) for item in items]
    missing = [item["code"] for item in items if not item.get("label_en")]
    names: dict[str, str] = {}
    if missing and version is not None:
        names = dict(
            version.rules.filter(code__in=missing)
            .exclude(label_en="")
            .values_list("code", "label_en")
        )
    return [
        {**item, "label": item.get("label_en") or names.get(item["code"]) or item["label"]}
        for item in items
    ]


class AgencyLine(models.Model):
    """Whether an agency may sell a line (the insurer's word) and offers it (the agency's).

    No row means allowed and offered.
    """

    agency = models.ForeignKey(
        "tenants.Agency", verbose_name=_("agency"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(
        Line, verbose_name=_("line"), on_delete=models.CASCADE, related_name="agency_settings"
    )
    allowed = models.BooleanField(_("allowed by the insurer"), default=True)
    offered = models.BooleanField(_("offered by the agency"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("agency line")
        verbose_name_plural = _("agency lines")
        constraints = [
            models.UniqueConstraint(fields=["agency", "line"], name="unique_agency_line")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} / {self.line}"


class SalesPlan(models.Model):
    """A marketing campaign: a discount on some lines, on every site or only some agencies',
    between two dates (S-5.4). Submitted at least 15 days ahead, applied by the quote engine
    only once an operator has approved it, and only within its dates."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    title = NormalizedCharField(_("title"), max_length=120)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2)
    lines = models.ManyToManyField(Line, verbose_name=_("lines"), related_name="sales_plans")
    agencies = models.ManyToManyField(
        "tenants.Agency",
        verbose_name=_("only these agencies"),
        blank=True,
        related_name="sales_plans",
        help_text=_("Empty: every site, the main site included."),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = NormalizedTextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="sales_plan_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gt=0) & Q(discount_percent__lte=50),
                name="sales_plan_discount_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

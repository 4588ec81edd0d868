"""Admin of the sale: the catalog and tariffs are edited here; sales rows are read-only."""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin import SearchKeyAdminMixin
from policies.models import (
    AgencyLine,
    DocumentRequirement,
    Line,
    Order,
    Payment,
    Policy,
    Question,
    Quote,
    SalesEvent,
    TariffRule,
    TariffVersion,
)
from policies.services.catalog import (
    TARIFF_COLUMNS,
    tariff_rules_parse,
    tariff_version_activate,
    tariff_version_import,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = [
        "stage",
        "position",
        "code",
        "label",
        "label_en",
        "kind",
        "required",
        "choices",
        "min_value",
        "max_value",
        "pattern",
        "default",
        "help_text",
        "help_text_en",
    ]


class DocumentRequirementInline(admin.TabularInline):
    model = DocumentRequirement
    extra = 0


@admin.register(Line)
class LineAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "number_code", "is_active", "position"]
    list_editable = ["is_active", "position"]
    inlines = [QuestionInline, DocumentRequirementInline]


class TariffRuleFormSet(forms.BaseInlineFormSet):
    """A draft's rules edited by hand pass the same checks as an imported file."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append(
                [
                    data.get("position", 0),
                    data.get("code", ""),
                    data.get("label", ""),
                    data.get("label_en", ""),
                    data.get("kind", ""),
                    data.get("question", ""),
                    data.get("basis", ""),
                    _pairs_text(data.get("table")),
                    _pairs_text(data.get("params")),
                ]
            )
        rows.sort(key=lambda row: row[0] if isinstance(row[0], int) else 0)
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(TARIFF_COLUMNS)
        writer.writerows(rows)
        tariff_rules_parse(line=self.instance.line, text=text.getvalue())


def _pairs_text(value) -> str:
    if not value:
        return ""
    if not isinstance(value, dict):
        return str(value)  # refused by the parser: not key=value
    return ";".join(f"{key}={item}" for key, item in value.items())


class TariffRuleInline(admin.TabularInline):
    model = TariffRule
    formset = TariffRuleFormSet
    extra = 0
    fields = list(TARIFF_COLUMNS)  # the columns of a tariff file, in its order

    def has_change_permission(self, request, obj=None):
        # A version is never edited once it exists beyond a draft (docs/tariffs.md).
        return obj is None or obj.status == TariffVersion.Status.DRAFT

    has_add_permission = has_change_permission  # type: ignore[assignment]
    has_delete_permission = has_change_permission  # type: ignore[assignment]


class TariffImportForm(forms.Form):
    line = forms.ModelChoiceField(queryset=Line.objects.all(), label=_("line"))
    file = forms.FileField(label=_("tariff file (CSV)"))
    activate = forms.BooleanField(label=_("use it for new quotes at once"), required=False)


@admin.register(TariffVersion)
class TariffVersionAdmin(admin.ModelAdmin):
    list_display = ["line", "number", "status", "created_at", "activated_at", "source"]
    list_filter = ["line", "status"]
    readonly_fields = [
        "line",
        "number",
        "status",
        "created_by",
        "created_at",
        "activated_at",
        "source",
    ]
    inlines = [TariffRuleInline]
    actions = ["activate"]
    change_list_template = "admin/policies/tariffversion/change_list.html"

    def has_add_permission(self, request):
        return False  # versions come from an import

    @admin.action(description=_("Activate the selected version"))
    def activate(self, request, queryset):
        for version in queryset[:1]:
            tariff_version_activate(version=version, actor=request.user)
            self.message_user(request, _("%(version)s is now active.") % {"version": version})

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="policies_tariff_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        form = TariffImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                version = tariff_version_import(
                    line=form.cleaned_data["line"],
                    text=form.cleaned_data["file"].read().decode("utf-8-sig"),
                    actor=request.user,
                    activate=form.cleaned_data["activate"],
                    source=form.cleaned_data["file"].name,
                )
            except (ValidationError, UnicodeDecodeError) as error:
                problems = error.messages if isinstance(error, ValidationError) else [str(error)]
                for problem in problems:
                    form.add_error("file", problem)
            else:
                self.message_user(
                    request, _("%(version)s imported.") % {"version": version}, messages.SUCCESS
                )
                return redirect("admin:policies_tariffversion_change", version.pk)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import a tariff"),
        }
        return render(request, "admin/policies/tariff_import.html", context)


@admin.register(AgencyLine)
class AgencyLineAdmin(admin.ModelAdmin):
    list_display = ["agency", "line", "allowed", "offered", "updated_at"]
    list_filter = ["line", "allowed", "offered"]
    autocomplete_fields = ["agency"]


class ReadOnlyAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    """Sales rows change only through the services (audited); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "line", "premium", "agency", "created_at"]
    list_filter = ["line"]
    list_select_related = ["line", "agency"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "line",
        "state",
        "channel",
        "agency",
        "customer",
        "premium",
        "created_at",
    ]
    list_filter = ["state", "channel", "line"]
    search_fields = ["public_id", "customer__mobile", "insured_national_code"]
    list_select_related = ["line", "agency", "customer"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["order", "attempt", "gateway", "amount", "state", "reference", "created_at"]
    list_filter = ["state", "gateway"]
    search_fields = ["token", "reference"]


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "line",
        "agency",
        "customer",
        "start_date",
        "end_date",
        "premium",
        "state",
    ]
    list_filter = ["line", "state", "issued_by_virtual_branch"]
    search_fields = ["number", "verification_code"]
    list_select_related = ["line", "agency", "customer"]
    # The PDF is a private file: it has no URL to link to (the ops order page downloads it).
    exclude = ["pdf"]


@admin.register(SalesEvent)
class SalesEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "order", "agency", "actor_label", "ip_address"]
    list_filter = ["event"]
    search_fields = ["order__public_id", "actor_label", "ip_address"]

"""Filters of the report pages and of the audit log. A report always shows something: a
refused value is explained and its default used instead."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.forms import Form, IdentifierField, JalaliDateField, MobileField
from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS
from policies.models import Line
from reports.periods import DateRange
from reports.selectors import VIRTUAL_BRANCH, agency_provinces
from tenants.models import Agency


class PeriodFilter(Form):
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def valid_data(self) -> dict[str, Any]:
        """The values that passed (none for an unbound form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def selection(self) -> dict[str, Any]:
        """The period to show: the dates given, else the current Jalali month."""
        data = self.valid_data()
        default = DateRange.current_month()
        first, last = data.get("date_from"), data.get("date_to")
        if first and not last:
            last = max(first, default.last)
        elif last and not first:
            first = min(last, default.first)
        return {"period": DateRange(first, last) if first and last else default}


class SalesFilter(PeriodFilter):
    line = forms.ChoiceField(label=_("Line"), required=False)
    province = forms.ChoiceField(label=_("Province"), required=False)
    kind = forms.ChoiceField(label=_("Seller"), required=False)
    per = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("day", _("Day")), ("month", _("Jalali month"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        fields: Any = self.fields
        fields["line"].choices = everything + [
            (line.code, line.display_name) for line in Line.objects.order_by("position", "name")
        ]
        fields["province"].choices = everything + [(name, name) for name in agency_provinces()]
        fields["kind"].choices = (
            everything
            + list(Agency.Kind.choices)
            + [(VIRTUAL_BRANCH, _("Virtual branch (main site)"))]
        )

    def selection(self) -> dict[str, Any]:
        data = self.valid_data()
        return {
            **super().selection(),
            "by_month": data.get("per") == "month",
            "line_code": data.get("line") or None,
            "province": data.get("province") or None,
            "agency_kind": data.get("kind") or None,
        }


def _target_types() -> list[tuple[str, str]]:
    """Every kind of record, by its name (two models of the same name keep their app's)."""
    models = apps.get_models()
    names = [str(capfirst(model._meta.verbose_name)) for model in models]
    return sorted(
        (
            (
                model._meta.label_lower,
                name
                if names.count(name) == 1
                else f"{name} — {capfirst(apps.get_app_config(model._meta.app_label).verbose_name)}",
            )
            for model, name in zip(models, names, strict=True)
        ),
        key=lambda pair: pair[1],
    )


def _action_choices() -> list[tuple[str, Any]]:
    """The actions by family: the family's prefix (``control.``) picks all of them."""
    families: dict[str, list[str]] = {}
    for code in AUDIT_ACTIONS.codes():
        families.setdefault(code.split(".", 1)[0], []).append(code)
    groups = []
    for family, codes in families.items():
        name = AUDIT_ACTION_GROUPS.label(family)
        options = [(f"{family}.", _("All: %(family)s") % {"family": name})]
        options += AUDIT_ACTIONS.choices(codes)
        groups.append((name, options))
    return [("", _("All")), *sorted(groups, key=lambda group: str(group[0]))]


class AuditFilter(Form):
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)
    actor = MobileField(label=_("Actor's mobile"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    agency = IdentifierField(label=_("Agency code"), required=False, max_length=10)
    target = forms.ChoiceField(label=_("Target type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["target"].choices = [("", _("All")), *_target_types()]
        fields["action"].choices = _action_choices()

    def clean_agency(self) -> int | None:
        value = (self.cleaned_data["agency"] or "").lower().removeprefix("ar")
        if not value:
            return None
        if not value.isdigit():
            raise ValidationError(_("Enter the agency's number, e.g. 685."))
        return int(value)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for :func:`reports.selectors.audit_entries`."""
        data = self.cleaned_data
        return {
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "actor_mobile": data["actor"] or None,
            "action_prefix": data["action"].strip() or None,
            "agency_code": data["agency"],
            "target_type": data["target"] or None,
        }

"""Forms of the SMS credit pages. They read what was typed (Persian digits, Jalali dates,
times); the services check the rest."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import parse_decimal, to_latin_digits
from core.forms import (
    FilterForm,
    Form,
    JalaliDateField,
    MultilineTextField,
    NumericField,
    TextField,
)
from core.models import SmsCreditEntry
from core.text import normalize_text


def _rials(value: str, *, signed: bool = False) -> Decimal:
    """Rials as typed (any digits, thousands separators); negative only when ``signed``."""
    try:
        amount = parse_decimal(normalize_text(value or ""))
    except (ValueError, InvalidOperation) as error:
        raise ValidationError(
            _("Enter an amount in rials, e.g. 5,000,000."), code="invalid"
        ) from error
    if amount != amount.to_integral_value() or (amount < 0 and not signed):
        raise ValidationError(_("Enter a whole number of rials."), code="invalid")
    return amount


class _TimeField(forms.TimeField):
    """A time of day typed with any digits (``۰۸:۳۰``)."""

    widget = forms.TimeInput(format="%H:%M", attrs={"type": "time", "dir": "ltr"})

    def to_python(self, value):
        if isinstance(value, str):
            value = to_latin_digits(normalize_text(value))
        return super().to_python(value)


class _CountField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = to_latin_digits(normalize_text(value))
        return super().to_python(value)


class LedgerFilter(FilterForm):
    """Kind and a Jalali range of dates."""

    date_range = ("date_from", "date_to")

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("All kinds")),
            *SmsCreditEntry.Kind.choices,
        ]

    def filter_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "kind": data["kind"] or None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }


class TopUpForm(Form):
    amount = NumericField(label=_("Amount (rials)"), max_length=30)

    def clean_amount(self) -> Decimal:
        return _rials(self.cleaned_data["amount"])


class OpsCreditForm(Form):
    """The insurer's top-up or adjustment of an agency's credit."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (SmsCreditEntry.Kind.TOP_UP, SmsCreditEntry.Kind.TOP_UP.label),
            (SmsCreditEntry.Kind.ADJUSTMENT, SmsCreditEntry.Kind.ADJUSTMENT.label),
        ],
    )
    amount = NumericField(
        label=_("Amount (rials)"),
        max_length=30,
        help_text=_("An adjustment may be negative (e.g. -500,000), never below zero credit."),
    )
    note = MultilineTextField(
        label=_("Note"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_amount(self) -> Decimal:
        return _rials(self.cleaned_data["amount"], signed=True)


class OpsAgencyFilter(Form):
    q = TextField(label=_("Agency code or name"), required=False, max_length=100)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("code", _("Agency code")),
            ("balance", _("Least credit first")),
            ("-balance", _("Most credit first")),
        ],
    )
    month = forms.CharField(required=False, widget=forms.HiddenInput)


class SmsSettingsForm(Form):
    window_start = _TimeField(label=_("Promotional messages from (Tehran time)"))
    window_end = _TimeField(label=_("Promotional messages until (Tehran time)"))
    automated_daily_cap = _CountField(label=_("Automated messages a customer may get a day"))

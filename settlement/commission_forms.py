"""Forms of the commission pages: statement filters, building a month, adding a rate and
recording a payout. Every number may be typed with Persian or Arabic-Indic digits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import number_text, to_latin_digits
from core.forms import (
    DecimalField,
    DigitsNormalizingCharField,
    Form,
    IdentifierField,
    JalaliDateField,
    NumericInput,
    TextField,
)
from core.jalali import JALALI_MAX_YEAR, JALALI_MIN_YEAR, jalali_month_name
from policies.models import Line
from settlement.models import CommissionStatement
from tenants.models import Agency


def _latin(value: Any) -> Any:
    if isinstance(value, str):
        return to_latin_digits(value).replace("٫", ".").strip()
    return value


def month_choices() -> list[tuple[int, str]]:
    return [(number, jalali_month_name(number)) for number in range(1, 13)]


class JalaliYearField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", JALALI_MIN_YEAR)
        kwargs.setdefault("max_value", JALALI_MAX_YEAR)
        # The calendar said where a year is asked (English pages would assume Gregorian).
        kwargs.setdefault("widget", NumericInput(attrs={"placeholder": _("e.g. 1405 (Jalali)")}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        return super().to_python(_latin(value))


class PercentField(DecimalField):
    """A percentage with "." or the Persian decimal sign (core.forms.DecimalField)."""


class RialAmountField(forms.Field):
    """A whole number of rials, with or without thousands separators, in any digits."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"})
    default_error_messages = {"invalid": _("Write the amount in whole rials, e.g. 2,500,000.")}

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            text = number_text(value)
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        if not text.isdigit():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return Decimal(text)


class StatementFilter(Form):
    jalali_year = JalaliYearField(label=_("Year"), required=False)
    jalali_month = forms.TypedChoiceField(label=_("Month"), coerce=int, required=False)
    agency = IdentifierField(label=_("Agency code"), required=False, max_length=10)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["jalali_month"]).choices = [
            ("", _("Every month")),
            *month_choices(),
        ]
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("All states")),
            *CommissionStatement.State.choices,
        ]

    def clean_agency(self) -> int | None:
        value = (self.cleaned_data["agency"] or "").lower().removeprefix("ar")
        if not value:
            return None
        if not value.isdigit():
            raise ValidationError(_("Enter the agency's number, e.g. 685."))
        return int(value)

    def filters(self) -> dict[str, Any]:
        """What to narrow the list by (nothing for a form that is not valid)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "jalali_year": data["jalali_year"],
            "jalali_month": data["jalali_month"] or None,
            "agency_code": data["agency"],
            "state": data["state"] or None,
        }


class StatementBuildForm(Form):
    jalali_year = JalaliYearField(label=_("Year"))
    jalali_month = forms.TypedChoiceField(label=_("Month"), coerce=int, choices=month_choices)


class RateForm(Form):
    agency_kind = forms.ChoiceField(label=_("Kind of agency"), required=False)
    line_code = forms.ChoiceField(label=_("Line"))
    percent = PercentField(
        label=_("Commission (%)"),
        min_value=Decimal(0),
        max_value=Decimal(50),
        max_digits=5,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}),
    )
    effective_from = JalaliDateField(label=_("In force from"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency_kind"]).choices = [
            ("", _("Every kind")),
            *Agency.Kind.choices,
        ]
        # No "every line" (*) choice: commission_rate_add's full_clean refuses "*" as a slug.
        cast(forms.ChoiceField, self.fields["line_code"]).choices = [
            (line.code, line.display_name) for line in Line.objects.order_by("position", "id")
        ]


class PayoutForm(Form):
    amount = RialAmountField(label=_("Amount (rials)"))
    paid_on = JalaliDateField(label=_("Paid on"))
    reference = DigitsNormalizingCharField(label=_("Transfer reference"), max_length=60)
    note = TextField(label=_("Note"), required=False, max_length=300)

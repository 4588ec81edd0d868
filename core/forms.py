"""Form fields that accept what Iranian users type: Jalali dates, Persian digits, mobiles,
numbers with the Persian decimal sign, and Persian text in any spelling.

Each field cleans to the stored form (a Gregorian ``date``, ``09xxxxxxxxx``, ten Latin
digits, ``IR`` + 24 digits, a ``Decimal``, normalised text) and refuses bad input with a
Persian message; a bound form shows back exactly what was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core.digits import localize_digits, localize_numbers, number_text, to_latin_digits
from core.jalali import format_jalali_date, parse_jalali_date
from core.text import normalize_html, normalize_identifier, normalize_text
from core.validators import normalize_mobile, normalize_national_code, normalize_sheba


class LocalizedErrorList(ErrorList):
    """Form errors with their numbers in the page's digits: Django's own messages ("at most
    100 characters (it has 300)", "greater than or equal to 1") build their numbers with
    Latin digits, which a Persian page must not show."""

    def __getitem__(self, i):
        return localize_numbers(str(super().__getitem__(i)))


class LocalizedErrorsMixin:
    """Makes a form's errors a :class:`LocalizedErrorList` (every form people see uses it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", LocalizedErrorList)
        super().__init__(*args, **kwargs)


class Form(LocalizedErrorsMixin, forms.Form):
    """``forms.Form`` whose errors are written in the page's digits."""


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal shown on the form: next to the fields it names when the form has
    them, else above the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class FilterForm(Form):
    """A list's filters: ``filters()`` is what to narrow the list by — nothing while a field
    is wrong (its error is shown), else ``filter_values(cleaned_data)``. ``date_range`` names
    the two fields of an optional date range whose end may not be before its start."""

    date_range: tuple[str, str] | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.date_range:
            start_name, end_name = self.date_range
            start, end = data.get(start_name), data.get(end_name)
            if start and end and start > end:
                self.add_error(end_name, _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """What to narrow the list by: nothing when a field is wrong (its error is shown)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return self.filter_values(self.cleaned_data)

    def filter_values(self, data: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError


class ModelForm(LocalizedErrorsMixin, forms.ModelForm):
    """``forms.ModelForm`` whose errors are written in the page's digits."""


# A placeholder or help text with digits, written in the page's digits when it is shown.
localized_example = lazy(localize_digits, str)


class NumericInput(forms.TextInput):
    """A text box for digits (a year, an amount, a national code, a mobile number): left to
    right, with a numeric keypad on phones."""

    def __init__(self, attrs=None, *, inputmode: str = "numeric"):
        super().__init__({"dir": "ltr", "inputmode": inputmode, **(attrs or {})})


class _InitialInPageDigits(forms.BoundField):
    """A stored value offered for editing is shown in the page's digits (either kind is
    accepted back); what someone typed is shown back exactly as typed."""

    def value(self):
        value = super().value()
        if not self.form.is_bound and isinstance(value, str | int) and not isinstance(value, bool):
            return localize_digits(value)
        return value


class InitialInPageDigitsMixin:
    """For fields of digits: their initial value in the page's digits."""

    def get_bound_field(self, form, field_name):
        return _InitialInPageDigits(form, self, field_name)  # type: ignore[arg-type]


class PageDigitsCharField(InitialInPageDigitsMixin, forms.CharField):
    """Text whose stored value is offered in the page's digits (a plate number, an address);
    never for Latin codes such as a VIN, which keep their Latin digits."""


class NumericField(PageDigitsCharField):
    """Digits typed as text (a year, an amount, a postal code): kept as typed for the
    service to read; a stored value is offered in the page's digits."""

    widget = NumericInput


class JalaliDateInput(forms.TextInput):
    """A text box showing a date as ``۱۳۷۰/۰۱/۳۱`` (``1370/01/31`` in English), with a
    placeholder saying the calendar in English, where it is not obvious."""

    def __init__(self, attrs=None):
        base = {"placeholder": _("1370/01/31 (Jalali)"), "dir": "ltr", "inputmode": "numeric"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            return format_jalali_date(value)
        return super().format_value(value)


class JalaliDateField(forms.Field):
    """A date typed in Jalali (``1370/01/31`` or ``۱۳۷۰/۰۱/۳۱``), cleaned to a Gregorian date."""

    widget = JalaliDateInput
    default_error_messages = {
        "invalid": _("Enter a valid Jalali date, e.g. 1370/01/31."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return parse_jalali_date(str(value))
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class _NormalizingCharField(forms.CharField):
    """A CharField whose non-empty value is passed through ``normalize``."""

    def normalize(self, value: str) -> str:
        raise NotImplementedError

    def clean(self, value):
        value = super().clean(value)
        return self.normalize(value) if value else value


class MobileField(InitialInPageDigitsMixin, _NormalizingCharField):
    """A mobile number in any common spelling, cleaned to ``09xxxxxxxxx``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault(
            "widget",
            NumericInput(
                attrs={"autocomplete": "tel", "placeholder": localized_example("09121234567")},
                inputmode="tel",
            ),
        )
        super().__init__(**kwargs)

    def normalize(self, value: str) -> str:
        return normalize_mobile(value)


class NationalCodeField(InitialInPageDigitsMixin, _NormalizingCharField):
    """A national code (کد ملی) with its check digit, cleaned to ten Latin digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("label", _("National code"))
        kwargs.setdefault("widget", NumericInput())
        super().__init__(**kwargs)

    def normalize(self, value: str) -> str:
        return normalize_national_code(value)


class ShebaField(_NormalizingCharField):
    """A Sheba (IBAN) number, with or without ``IR``, cleaned to ``IR`` + 24 digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("label", _("Sheba number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"dir": "ltr", "placeholder": "IR000000000000000000000000"}),
        )
        super().__init__(**kwargs)

    def normalize(self, value: str) -> str:
        return normalize_sheba(value)


class DigitsNormalizingCharField(forms.CharField):
    """A CharField that turns Persian/Arabic-Indic digits into Latin digits (and drops the
    direction marks that come along with pasted text)."""

    def to_python(self, value):
        value = super().to_python(value)
        return to_latin_digits(normalize_text(value)) if value else value


# ---- Persian text (core.text, decision 020) ---------------------------------------------


class TextField(forms.CharField):
    """A name, place, title or address on one line, cleaned by ``core.text.normalize_text``
    (Arabic ي/ك → ی/ک, no direction marks, one half-space, single spaces). Length limits
    apply to the cleaned text."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value) if value else value


class MultilineTextField(forms.CharField):
    """Free text on several lines (notes, reasons), normalised with its new lines kept."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_text(value, multiline=True) if value else value


class HtmlTextField(forms.CharField):
    """HTML that people write: its text normalised, its tags untouched (it is cleaned with
    ``core.html.sanitize_html`` where it is stored)."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_html(value) if value else value


class IdentifierField(forms.CharField):
    """A number or code typed into a box (an order or policy number, a reference):
    invisible marks and spaces dropped, digits Latin."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_identifier(value) if value else value


class DecimalField(forms.DecimalField):
    """A decimal number in any digits, with "." or the Persian decimal sign "٫" and, in
    groups of three, the thousands separators ",", "٬" or "،" (``core.digits.number_text``).

    A text box (``inputmode="decimal"``), not ``type="number"``: a browser empties a number
    box holding "۳۵٫۷" before the form is sent, and the field then came back "required".
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "dir": "ltr"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                value = number_text(value)
            except ValueError as error:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from error
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs

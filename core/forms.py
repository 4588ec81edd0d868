"""Form fields that accept what Iranian users type: Jalali dates, Persian digits, mobiles.

Each field cleans to the stored form (a Gregorian ``date``, ``09xxxxxxxxx``, ten Latin
digits, ``IR`` + 24 digits) and refuses bad input with a Persian message; a bound form
shows back exactly what was typed.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits
from core.jalali import format_jalali_date, parse_jalali_date
from core.validators import normalize_mobile, normalize_national_code, normalize_sheba


class JalaliDateInput(forms.TextInput):
    """A text box showing a date as ``۱۳۷۰/۰۱/۳۱``."""

    def __init__(self, attrs=None):
        base = {"placeholder": "۱۳۷۰/۰۱/۳۱", "dir": "ltr", "inputmode": "numeric"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            return format_jalali_date(value)
        return super().format_value(value)


class JalaliDateField(forms.Field):
    """A date typed in Jalali (``1370/01/31`` or ``۱۳۷۰/۰۱/۳۱``), cleaned to a Gregorian date."""

    widget = JalaliDateInput
    default_error_messages = {
        "invalid": _("Enter a valid Jalali date, e.g. ۱۳۷۰/۰۱/۳۱."),
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


class MobileField(_NormalizingCharField):
    """A mobile number in any common spelling, cleaned to ``09xxxxxxxxx``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "dir": "ltr",
                    "inputmode": "tel",
                    "autocomplete": "tel",
                    "placeholder": "09121234567",
                }
            ),
        )
        super().__init__(**kwargs)

    def normalize(self, value: str) -> str:
        return normalize_mobile(value)


class NationalCodeField(_NormalizingCharField):
    """A national code (کد ملی) with its check digit, cleaned to ten Latin digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("label", _("National code"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
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
    """A CharField that turns Persian/Arabic-Indic digits into Latin digits."""

    def to_python(self, value):
        value = super().to_python(value)
        return to_latin_digits(value) if value else value

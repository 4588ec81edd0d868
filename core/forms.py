"""Form fields that accept what Iranian users type: Jalali dates, Persian digits, mobiles."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits
from core.jalali import format_jalali_date, parse_jalali_date
from core.validators import normalize_mobile, normalize_national_code


class JalaliDateInput(forms.TextInput):
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
        if isinstance(value, dt.date):
            return value
        try:
            return parse_jalali_date(str(value))
        except ValueError as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error


class MobileField(forms.CharField):
    """A mobile number in any common spelling, cleaned to ``09xxxxxxxxx``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"dir": "ltr", "inputmode": "tel", "autocomplete": "tel", "placeholder": "09121234567"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_mobile(value) if value else value


class NationalCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 14)
        kwargs.setdefault("label", _("National code"))
        kwargs.setdefault("widget", forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_national_code(value) if value else value


class DigitsNormalizingCharField(forms.CharField):
    """A CharField that turns Persian/Arabic-Indic digits into Latin digits."""

    def to_python(self, value):
        value = super().to_python(value)
        return to_latin_digits(value) if value else value

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DigitsNormalizingCharField, JalaliDateField, MobileField, NationalCodeField


class MobileForm(forms.Form):
    mobile = MobileField()


class CodeForm(forms.Form):
    code = DigitsNormalizingCharField(
        label=_("Code sent by SMS"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    national_code = NationalCodeField(required=False)
    birth_date = JalaliDateField(label=_("Birth date"), required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked:
            for name in ("first_name", "last_name", "national_code", "birth_date"):
                self.fields[name].disabled = True

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import (
    DigitsNormalizingCharField,
    Form,
    JalaliDateField,
    MobileField,
    NationalCodeField,
    NumericInput,
    TextField,
    localized_example,
)


class MobileForm(Form):
    mobile = MobileField(
        widget=NumericInput(
            attrs={
                "autocomplete": "tel",
                "placeholder": localized_example("09121234567"),
                "autofocus": True,
            },
            inputmode="tel",
        )
    )


class CodeForm(Form):
    code = DigitsNormalizingCharField(
        label=_("Code sent by SMS"),
        max_length=settings.OTP_LENGTH,
        min_length=settings.OTP_LENGTH,
        validators=[
            RegexValidator(r"^\d+$", _("The code is made of digits only."), code="invalid_code")
        ],
        error_messages={
            "min_length": _("The code has six digits."),
            "max_length": _("The code has six digits."),
        },
        widget=forms.TextInput(
            attrs={
                "dir": "ltr",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
            }
        ),
    )


class ProfileForm(Form):
    first_name = TextField(label=_("First name"), max_length=100, required=False)
    last_name = TextField(label=_("Last name"), max_length=100, required=False)
    national_code = NationalCodeField(required=False)
    birth_date = JalaliDateField(label=_("Birth date"), required=False)
    # Django's EmailField takes 320 characters; the column holds 254.
    email = forms.EmailField(
        label=_("E-mail"), required=False, max_length=User._meta.get_field("email").max_length
    )

    def __init__(self, *args, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked:
            for name in User.IDENTITY_FIELDS:
                self.fields[name].disabled = True

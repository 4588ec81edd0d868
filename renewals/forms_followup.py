"""Forms of the follow-up calls' pages (decision 044)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DigitsNormalizingCharField, Form, MobileField, MultilineTextField
from renewals.models import Result
from renewals.services.followup import FOLLOWUP_RESULTS


class FollowupResultForm(Form):
    result = forms.ChoiceField(
        label=_("What the call came to"),
        choices=[(value, Result(value).label) for value in FOLLOWUP_RESULTS],
        widget=forms.RadioSelect,
    )
    note = MultilineTextField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed for a complaint: what the customer said."),
    )


class DetailsCorrectionForm(Form):
    mobile = MobileField(label=_("Correct mobile number"), required=False)
    phone = DigitsNormalizingCharField(
        label=_("Another phone number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}),
    )

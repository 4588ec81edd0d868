"""The sign-up's forms (stage 1 and 2) and the operators' decisions. They only parse what was
typed (any digits, Arabic letters, half-spaces); the rules live in ``onboarding.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import (
    DecimalField,
    Form,
    IdentifierField,
    MultilineTextField,
    NationalCodeField,
    TextField,
)
from onboarding.models import AgencyApplication
from policies.selectors import line_choices


class StageOneForm(Form):
    """Stage 1: who the applicant is and where the agency will be, and the terms."""

    first_name = TextField(label=_("First name"), max_length=100)
    last_name = TextField(label=_("Last name"), max_length=100)
    national_code = NationalCodeField()
    agency_name = TextField(
        label=_("Agency name"),
        max_length=200,
        required=False,
        help_text=_("As it will appear on your site; leave empty to use your name."),
    )
    province = TextField(label=_("Province"), max_length=100)
    city = TextField(label=_("City"), max_length=100)
    address = TextField(
        label=_("Address"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    latitude = DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )
    longitude = DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )
    accept_terms = forms.BooleanField(
        label=_("I have read the terms and the payment rules and accept them."), required=False
    )


class StageTwoForm(Form):
    """Stage 2: the kind of agency, the lines wanted, the licence number and its photo."""

    kind = forms.ChoiceField(
        label=_("Kind of agency"),
        choices=AgencyApplication.Kind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    line_codes = forms.MultipleChoiceField(
        label=_("Lines you want to sell"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    licence_number = IdentifierField(label=_("Licence number"), max_length=30, required=False)
    licence_file = forms.FileField(
        label=_("Photo of the licence"),
        required=False,
        help_text=_("A photo or scan of the original licence: JPG, PNG or PDF, at most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line_codes"].choices = line_choices()  # type: ignore[attr-defined]


class DecisionNoteForm(Form):
    """A rejection's reason or a correction's note (read by the applicant)."""

    note = MultilineTextField(
        label=_("Note to the applicant"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(Form):
    code = IdentifierField(label=_("Agency code"), max_length=10)

    def clean_code(self) -> int:
        code = self.cleaned_data["code"].lower().removeprefix("ar")
        if not code.isdigit() or not 1 <= int(code) <= 9_999_999:
            raise forms.ValidationError(_("Enter an agency code between 1 and 9999999."))
        return int(code)


class QueueFilter(Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    q = TextField(label=_("Search"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            ("waiting", _("Waiting for a decision")),
            ("", _("All states")),
            *AgencyApplication.State.choices,
        ]

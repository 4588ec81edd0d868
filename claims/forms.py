"""The claims' forms: the customer's claim and documents, the staff's moves."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import (
    DecimalField,
    DigitsNormalizingCharField,
    Form,
    JalaliDateField,
    MultilineTextField,
    TextField,
)
from core.jalali import tehran

TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ClaimForm(Form):
    occurred_on = JalaliDateField(label=_("Date of the event"))
    occurred_time = DigitsNormalizingCharField(
        label=_("Time of the event"),
        max_length=5,
        widget=forms.TextInput(
            attrs={"dir": "ltr", "placeholder": "14:30", "inputmode": "numeric"}
        ),
    )
    province = TextField(label=_("province"), max_length=100)
    city = TextField(label=_("city"), max_length=100)
    place = TextField(label=_("Place of the event"), max_length=300)
    description = MultilineTextField(label=_("What happened"), max_length=2000)

    def clean_occurred_time(self) -> str:
        value = self.cleaned_data["occurred_time"]
        if not TIME.match(value or ""):
            raise forms.ValidationError(_("Write the time as hours:minutes, e.g. 14:30."))
        return value

    def occurred_at(self) -> dt.datetime:
        hours, minutes = (int(part) for part in self.cleaned_data["occurred_time"].split(":"))
        day = self.cleaned_data["occurred_on"]
        return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=tehran()).astimezone(dt.UTC)


class DocumentForm(Form):
    kind = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(label=_("file"))

    def __init__(self, *args, checklist=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = (  # type: ignore[attr-defined]
            [(item.code, item.label) for item in checklist]
        )


class RequestDocumentsForm(Form):
    note = MultilineTextField(label=_("Documents needed"), max_length=500)


class AssessorForm(Form):
    assessor: forms.ModelChoiceField = forms.ModelChoiceField(label=_("assessor"), queryset=None)

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from claims.services import CLAIM_ROLES

        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(is_active=True, insurer_role__in=CLAIM_ROLES)
            .order_by("last_name", "id")
        )


class AssessmentForm(Form):
    damage = DecimalField(label=_("damage"), min_value=0, max_digits=18, decimal_places=0)
    sum_insured = DecimalField(
        label=_("sum insured or limit"), min_value=0, max_digits=18, decimal_places=0
    )
    deductible = DecimalField(label=_("deductible"), min_value=0, max_digits=18, decimal_places=0)
    ratio_percent = DecimalField(
        label=_("ratio (percent)"), min_value=0, max_value=100, max_digits=5, decimal_places=2
    )


class RejectForm(Form):
    reason = MultilineTextField(label=_("rejection reason"), max_length=500)


class PaidForm(Form):
    reference = DigitsNormalizingCharField(label=_("payment reference"), max_length=40)


def now_in_tehran() -> dt.datetime:
    return timezone.now().astimezone(tehran())

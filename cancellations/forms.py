"""Forms of cancellations: the customer's request and the operator's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cancellations.models import CancellationRequest
from core.forms import Form, JalaliDateField, MultilineTextField


class RequestForm(Form):
    last_day = JalaliDateField(label=_("Cancel from (Jalali date)"))
    reason = forms.ChoiceField(label=_("Reason"), choices=CancellationRequest.Reason.choices)
    note = MultilineTextField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(Form):
    note = MultilineTextField(
        label=_("Reason for the customer (needed to reject)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

"""Forms of advice requests. They collect what was typed; the services decide what is valid."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalField, Form, MultilineTextField, TextField
from policies.models import Line


class RequestForm(Form):
    line = forms.ModelChoiceField(
        label=_("Line of insurance"),
        queryset=Line.objects.filter(is_active=True).order_by("position", "id"),
        empty_label="—",
    )
    note = MultilineTextField(
        label=_("Your question"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Agencies see this note, not your name or number, until you choose one."),
    )
    province = TextField(label=_("Province"), max_length=100, required=False)
    city = TextField(label=_("City"), max_length=100, required=False)
    latitude = DecimalField(
        required=False,
        widget=forms.HiddenInput,
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
    )
    longitude = DecimalField(
        required=False,
        widget=forms.HiddenInput,
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
    )


class AnswerForm(Form):
    message = MultilineTextField(
        label=_("Your answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    premium = DecimalField(
        label=_("Premium quote in rials (optional)"),
        required=False,
        max_digits=18,
        decimal_places=0,
        min_value=1,
    )


class RatingForm(Form):
    score = forms.TypedChoiceField(
        label=_("Score"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
    )
    comment = MultilineTextField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

"""Forms of the cheques pages: the list's filters and an instrument's details. They only
read what was typed (Persian digits, Jalali dates); the money service checks the rest."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import (
    FilterForm,
    Form,
    IdentifierField,
    JalaliDateField,
    MultilineTextField,
    NumericField,
    TextField,
)
from crm.models import Instrument


class InstrumentFilter(FilterForm):
    """Kind, state, a Jalali range of due dates and words of the customer's name."""

    date_range = ("due_from", "due_to")

    q = TextField(label=_("Customer"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    due_from = JalaliDateField(label=_("Due from"), required=False)
    due_to = JalaliDateField(label=_("Due to"), required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("All kinds")),
            *Instrument.Kind.choices,
        ]
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("All states")),
            *Instrument.State.choices,
        ]

    def filter_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "kind": data["kind"] or None,
            "state": data["state"] or None,
            "due_from": data["due_from"],
            "due_to": data["due_to"],
            "customer_id": data["customer"] or None,
            "query": data["q"] or "",
        }


class InstrumentForm(Form):
    """A cheque's, promissory note's or debit note's details."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Instrument.Kind.choices)
    amount = NumericField(label=_("Amount (rials)"), max_length=30)
    due_date = JalaliDateField(label=_("Due date"))
    bank_name = TextField(label=_("Bank"), required=False, max_length=100)
    branch_name = TextField(label=_("Bank branch"), required=False, max_length=100)
    number = IdentifierField(label=_("Serial number"), required=False, max_length=30)
    sayad_id = NumericField(label=_("Sayad id (16 digits)"), required=False, max_length=30)
    drawer_name = TextField(
        label=_("Drawn by"),
        required=False,
        max_length=200,
        help_text=_("When someone other than the customer signed it."),
    )
    notes = MultilineTextField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_of(cls, instrument: Instrument) -> dict[str, Any]:
        return {name: getattr(instrument, name) for name in cls.base_fields}

"""Forms of the sale. They collect what was typed; the services decide what is valid."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import (
    DecimalField,
    FilterForm,
    Form,
    IdentifierField,
    JalaliDateField,
    MultilineTextField,
    NumericField,
    NumericInput,
    PageDigitsCharField,
    TextField,
)
from policies.models import Line, Order, Question


def answers_form_class(*, line: Line, stage: str) -> type[Form]:
    """A form with one field per question of the line's ``stage``; values are kept as typed."""
    fields: dict[str, forms.Field] = {}
    for question in line.questions.filter(stage=stage).order_by("position", "id"):
        common: dict[str, Any] = {
            "label": question.display_label,
            "help_text": question.display_help,
            "required": False,
        }
        if question.kind == Question.Kind.CHOICE:
            choices = [("", "—"), *question.display_choices]
            fields[question.code] = forms.ChoiceField(choices=choices, **common)
        elif question.kind == Question.Kind.BOOLEAN:
            fields[question.code] = forms.BooleanField(
                widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
                **common,
            )
        else:
            if question.kind in (Question.Kind.INTEGER, Question.Kind.AMOUNT):
                amount = question.kind == Question.Kind.AMOUNT
                fields[question.code] = NumericField(
                    widget=NumericInput(attrs={"data-thousands": "1"} if amount else None),
                    max_length=200,
                    **common,
                )
            else:
                # A Latin code (a VIN) is offered as stored; other text in the page's digits.
                field_class = forms.CharField if question.is_latin_code else PageDigitsCharField
                fields[question.code] = field_class(
                    widget=forms.TextInput(attrs={"dir": "ltr"}), max_length=200, **common
                )
        fields[question.code].kind = question.kind  # type: ignore[attr-defined]
        fields[question.code].initial = question.default or None
    return type(f"{line.code.title()}{stage.title()}Form", (Form,), fields)


def form_add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the fields it names (else at the top)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class InsuredForm(Form):
    first_name = TextField(label=_("First name"), max_length=100, required=False)
    last_name = TextField(label=_("Last name"), max_length=100, required=False)
    national_code = NumericField(label=_("National code"), max_length=20, required=False)
    birth_date = JalaliDateField(label=_("Birth date"), required=False)
    mobile = NumericField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        widget=NumericInput(inputmode="tel"),
    )


class DeliveryForm(Form):
    method = forms.ChoiceField(
        label=_("Delivery"),
        choices=Order.Delivery.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    province = TextField(label=_("Province"), max_length=100, required=False)
    city = TextField(label=_("City"), max_length=100, required=False)
    address = TextField(
        label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    postal_code = NumericField(label=_("Postal code"), max_length=20, required=False)
    date = forms.ChoiceField(label=_("Delivery date"), required=False)
    slot = forms.ChoiceField(
        label=_("Time slot"), choices=[("", "—"), *Order.Slot.choices], required=False
    )
    latitude = DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )
    longitude = DecimalField(
        required=False, widget=forms.HiddenInput, max_digits=9, decimal_places=6
    )

    def __init__(self, *args, dates: list[tuple[str, str]], agency_site: bool, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["date"]).choices = [("", "—"), *dates]
        if not agency_site:
            cast(forms.ChoiceField, self.fields["method"]).choices = [
                c for c in Order.Delivery.choices if c[0] != Order.Delivery.AGENCY_COURIER
            ]


class IssueForm(Form):
    """Issue a paid order (panel and virtual branch alike)."""

    start_date = JalaliDateField(
        label=_("Start date"),
        required=False,
        help_text=_("Leave empty to start the cover today."),
    )


class RejectForm(Form):
    """Refuse a paid order; the reason goes to the customer."""

    reason = MultilineTextField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the customer by SMS; the payment is refunded."),
    )


class PanelOrderFilter(FilterForm):
    """The panel's sales list: line, state, Jalali date range and an order/policy number."""

    date_range = ("date_from", "date_to")

    q = IdentifierField(label=_("Order or policy number"), required=False, max_length=30)
    line = forms.ModelChoiceField(
        label=_("Line"), queryset=Line.objects.none(), required=False, empty_label=_("All lines")
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    date_from = JalaliDateField(label=_("From"), required=False)
    date_to = JalaliDateField(label=_("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["line"]).queryset = Line.objects.order_by(
            "position", "id"
        )
        cast(forms.ChoiceField, self.fields["state"]).choices = [("", _("All states"))] + [
            (value, label) for value, label in Order.State.choices if value != Order.State.DRAFT
        ]

    def filter_values(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "state": data["state"] or None,
            "line_id": data["line"].pk if data["line"] else None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "search": data["q"] or None,
        }

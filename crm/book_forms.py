"""Forms of the book's panel pages: the list's filters, another insurer's policy, the delivery
and free fields of a policy sold here, the free fields' names, an import file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import (
    DecimalField,
    Form,
    IdentifierField,
    JalaliDateField,
    MultilineTextField,
    TextField,
)
from crm.models import BookPolicy, Customer, CustomerAddress
from crm.selectors.book import FreeField, insurer_choices
from crm.services.book import OTHER_POLICY_FIELDS
from policies.selectors import line_choices

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def set_choices(form: forms.Form, name: str, choices: list) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class BookFilterForm(Form):
    q = TextField(label=_("Number or customer"), required=False)
    origin = forms.ChoiceField(label=_("origin"), required=False)
    line = forms.ChoiceField(label=_("line"), required=False)
    state = forms.ChoiceField(label=_("state"), required=False)
    insurer = forms.ChoiceField(label=_("insurer"), required=False)
    expires_from = JalaliDateField(label=_("Expires from"), required=False)
    expires_to = JalaliDateField(label=_("Expires until"), required=False)

    def __init__(self, *args: Any, lines: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        set_choices(self, "origin", everything + list(BookPolicy.Origin.choices))
        set_choices(self, "line", everything + lines)
        set_choices(self, "state", everything + list(BookPolicy.State.choices))
        set_choices(self, "insurer", everything + insurer_choices())


class _FreeFieldsMixin:
    fields: dict[str, forms.Field]

    def add_free_fields(self, free: list[FreeField]) -> None:
        for field in free:
            self.fields[field.name] = TextField(label=field.label, required=False, max_length=200)


class DeliveryForm(_FreeFieldsMixin, Form):
    """What may change on any policy of the book: delivery and free fields."""

    delivery_method = forms.ChoiceField(label=_("delivery"), required=False)
    delivery_date = JalaliDateField(label=_("delivery date"), required=False)
    delivery_time = forms.TimeField(
        label=_("delivery time"),
        required=False,
        widget=forms.TimeInput(attrs={"dir": "ltr", "placeholder": "10:30"}),
    )
    delivery_address = forms.ModelChoiceField(
        label=_("delivery address"), queryset=CustomerAddress.objects.none(), required=False
    )
    delivery_address_text = TextField(
        label=_("delivery address (as written)"), required=False, max_length=500
    )

    def __init__(
        self, *args: Any, customer: Customer, free: list[FreeField], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "delivery_method", [("", "—"), *BookPolicy.Delivery.choices])
        address_field = self.fields["delivery_address"]
        assert isinstance(address_field, forms.ModelChoiceField)
        address_field.queryset = CustomerAddress.objects.filter(customer=customer)
        self.add_free_fields(free)


class OtherPolicyForm(DeliveryForm):
    """Another insurer's policy, whole."""

    field_order = list(OTHER_POLICY_FIELDS)

    insurer_code = forms.ChoiceField(label=_("insurer"))
    insurer_name = TextField(
        label=_("insurer name"),
        required=False,
        max_length=100,
        help_text=_("Only for an insurer not in the list."),
    )
    line_code = forms.ChoiceField(label=_("line"))
    number = IdentifierField(label=_("policy number"), max_length=60)
    issued_on = JalaliDateField(label=_("issue date"), required=False)
    start_date = JalaliDateField(label=_("start date"), required=False)
    end_date = JalaliDateField(label=_("expiry date"))
    premium = DecimalField(label=_("Premium (rials)"), required=False, decimal_places=0)
    subject = TextField(label=_("insured subject"), required=False, max_length=200)
    plate = TextField(label=_("plate number"), required=False, max_length=30)
    notes = MultilineTextField(label=_("notes"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "insurer_code", [("", "—"), *insurer_choices()])
        set_choices(self, "line_code", [("", "—"), *line_choices()])
        self.order_fields(self.field_order)


class FreeFieldNamesForm(Form):
    book_extra_1_label = TextField(label=_("name of free field 1"), required=False, max_length=50)
    book_extra_2_label = TextField(label=_("name of free field 2"), required=False, max_length=50)
    book_extra_3_label = TextField(label=_("name of free field 3"), required=False, max_length=50)
    book_extra_4_label = TextField(label=_("name of free field 4"), required=False, max_length=50)


class ImportForm(Form):
    file = forms.FileField(
        label=_("File (Excel .xlsx or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("The file is larger than 20 MB; split it into smaller files."))
        return upload

"""The panel's customer forms. They clean what people type (Persian digits, any phone
form, Jalali dates) and check it with Persian messages; the services still decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import (
    DigitsNormalizingCharField,
    Form,
    JalaliDateField,
    MobileField,
    MultilineTextField,
    NumericInput,
    TextField,
    add_service_errors,
)
from crm.models import (
    Customer,
    CustomerAddress,
    CustomerGroup,
    CustomerPhone,
    CustomerRelation,
    Marketer,
    Region,
)
from crm.phones import phone_normalize
from crm.services.contacts import default_area_code
from crm.services.customers import DETAIL_FIELDS, national_code_clean

CONSENT_CHOICES = [("", _("No consent to SMS")), *Customer.ConsentSource.choices]


def form_error_text(form: forms.Form) -> str:
    """Every error of a small form in one line (shown as a message on the card)."""
    return " ".join(str(message) for field, errors in form.errors.items() for message in errors)


class CustomerForm(Form):
    """A customer's own details; on create also the first phones, e-mail, groups and SMS
    consent (later they are changed on the card)."""

    party = forms.ChoiceField(label=_("Person or company"), choices=Customer.Party.choices)
    first_name = TextField(label=_("First name"), max_length=100, required=False)
    last_name = TextField(label=_("Last name"), max_length=100, required=False)
    company_name = TextField(label=_("Company name"), max_length=200, required=False)
    national_code = DigitsNormalizingCharField(
        label=_("National code or company national id"),
        max_length=20,
        required=False,
        widget=NumericInput(),
    )
    birth_date = JalaliDateField(label=_("Birth date"), required=False)
    job = TextField(label=_("Job"), max_length=100, required=False)
    position = TextField(label=_("Position"), max_length=100, required=False)
    city = TextField(label=_("City"), max_length=100, required=False)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False
    )
    marketer = forms.ModelChoiceField(
        label=_("Marketer"), queryset=Marketer.objects.none(), required=False
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred contact channel"), choices=Customer.Channel.choices
    )
    insurance_needs_note = MultilineTextField(
        label=_("Other insurance needs"), max_length=2000, required=False
    )
    notes = MultilineTextField(label=_("Notes"), max_length=4000, required=False)
    # Only when creating:
    mobile = MobileField(required=False)
    phone = forms.CharField(
        label=_("Other phone (with area code)"),
        max_length=30,
        required=False,
        widget=NumericInput(inputmode="tel"),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"),
        queryset=CustomerGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sms_consent_source = forms.ChoiceField(
        label=_("Consent to SMS"), choices=CONSENT_CHOICES, required=False
    )

    CREATE_ONLY = ("mobile", "phone", "email", "groups", "sms_consent_source")

    def __init__(self, *args: Any, creating: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["marketer"].queryset = Marketer.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["groups"].queryset = CustomerGroup.objects.all()  # type: ignore[attr-defined]
        if not creating:
            for name in self.CREATE_ONLY:
                del self.fields[name]

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        if not value.strip():
            return ""
        return phone_normalize(value, default_area_code=default_area_code())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        party = data.get("party") or Customer.Party.PERSON
        if party == Customer.Party.COMPANY and not data.get("company_name"):
            self.add_error("company_name", _("Enter the company's name."))
        if party == Customer.Party.PERSON and not data.get("last_name"):
            self.add_error("last_name", _("Enter the customer's last name."))
        if "national_code" in data:
            try:
                data["national_code"] = national_code_clean(data["national_code"], party=party)
            except ValidationError as error:
                add_service_errors(self, error)
        return data

    def details(self) -> dict[str, Any]:
        """What ``customer_create`` / ``customer_update`` take of the customer itself."""
        data = self.cleaned_data
        return {name: data.get(name) for name in DETAIL_FIELDS}


class PhoneForm(Form):
    number = forms.CharField(
        label=_("Phone number"), max_length=30, widget=NumericInput(inputmode="tel")
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("Guess from the number")), *CustomerPhone.Kind.choices],
        required=False,
    )
    primary = forms.BooleanField(label=_("Primary"), required=False)


class EmailForm(Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)


class AddressForm(Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerAddress.Kind.choices)
    city = TextField(label=_("City"), max_length=100, required=False)
    address = TextField(label=_("Address"), max_length=500)
    postal_code = DigitsNormalizingCharField(
        label=_("Postal code"), max_length=10, required=False, widget=NumericInput()
    )

    def clean_postal_code(self) -> str:
        code = (self.cleaned_data.get("postal_code") or "").strip()
        if code and not (code.isdigit() and len(code) == 10):
            raise ValidationError(_("A postal code has ten digits."))
        return code


class RelationForm(Form):
    """A related person: an existing customer (found by a phone number or national code) or
    someone who is not a customer yet (a name, maybe a mobile)."""

    kind = forms.ChoiceField(label=_("Relation"), choices=CustomerRelation.Kind.choices)
    existing = forms.CharField(
        label=_("Phone or national code of an existing customer"),
        max_length=30,
        required=False,
        widget=NumericInput(),
    )
    name = TextField(label=_("Or the person's name"), max_length=200, required=False)
    mobile = MobileField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("existing") and not data.get("name"):
            raise ValidationError(
                _("Give the phone or national code of a customer, or the person's name.")
            )
        return data


class GroupForm(Form):
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=CustomerGroup.objects.none(), required=False
    )
    new_group = TextField(label=_("Or a new group"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = CustomerGroup.objects.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("group") and not data.get("new_group"):
            raise ValidationError(_("Choose a group or name a new one."))
        return data


class ConsentForm(Form):
    source = forms.ChoiceField(label=_("Consent to SMS"), choices=CONSENT_CHOICES, required=False)

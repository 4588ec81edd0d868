"""Customers (S-6.1) through the API: the list, registering one (with duplicate detection),
the card, changing details, and adding or removing phones, e-mails and postal addresses.
Every write goes through ``crm.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.api import LatitudeField, LongitudeField, PostalCodeField, TextField, errors
from crm.api.base import MAX_ID, AgencyMemberApi, PageQuery, id_parameter, page_of
from crm.api.serializers import (
    AddressSerializer,
    CustomerCardSerializer,
    CustomerListItemSerializer,
    CustomerRefSerializer,
    EmailSerializer,
    PhoneSerializer,
)
from crm.models import (
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerGroup,
    CustomerPhone,
    CustomerRank,
    Marketer,
    Region,
)
from crm.selectors.card import customer_card
from crm.selectors.customers import customer_list, customers_live
from crm.services import contacts as contact_services
from crm.services.contacts import AddressInput, PhoneInput
from crm.services.customers import PossibleDuplicates, customer_create, customer_update

# A person's ten-digit national code or a company's eleven-digit national id (Persian digits
# too); the check digit is a business rule (422).
NATIONAL_CODE_OR_ID = r"^[0-9۰-۹]{10,11}$"


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _national_code_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=11,
        allow_blank=True,
        allow_null=True,
        validators=[
            RegexValidator(
                NATIONAL_CODE_OR_ID,
                _("Enter a valid 10-digit national code."),
                code="format",
            )
        ],
        **kwargs,
    )


class PhoneInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmPhoneInput"

    number = serializers.CharField(
        max_length=30, help_text="Any form: +98, 0098, 0 or none, Persian digits, spaces."
    )
    kind = serializers.ChoiceField(
        choices=CustomerPhone.Kind.choices, required=False, help_text="Guessed when not given."
    )
    label = TextField(  # type: ignore[assignment]  # DRF pops it off the class
        max_length=50, allow_blank=True, required=False, default=""
    )


class AddressInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmAddressInput"

    address = TextField(max_length=500)
    kind = serializers.ChoiceField(
        choices=CustomerAddress.Kind.choices, required=False, default=CustomerAddress.Kind.HOME
    )
    province = TextField(max_length=100, allow_blank=True, required=False, default="")
    city = TextField(max_length=100, allow_blank=True, required=False, default="")
    postal_code = PostalCodeField(allow_blank=True, required=False, default="")
    latitude = LatitudeField(required=False, allow_null=True, default=None)
    longitude = LongitudeField(required=False, allow_null=True, default=None)


def _address_input(data: dict[str, Any]) -> AddressInput:
    return AddressInput(**data)


def _customer_fields(*, defaults: bool) -> dict[str, serializers.Field]:
    """The customer's own details, as created (with defaults) or changed (without: a change
    says only what it changes, or a client generated from the schema would send every
    default and blank the rest)."""

    def optional(default: Any) -> dict[str, Any]:
        return {"required": False, **({"default": default} if defaults else {})}

    return {
        "party": serializers.ChoiceField(
            choices=Customer.Party.choices, **optional(Customer.Party.PERSON)
        ),
        "first_name": TextField(max_length=100, allow_blank=True, **optional("")),
        "last_name": TextField(max_length=100, allow_blank=True, **optional("")),
        "company_name": TextField(max_length=200, allow_blank=True, **optional("")),
        "national_code": _national_code_field(**optional(None)),
        "birth_date": serializers.DateField(allow_null=True, **optional(None)),
        "job": TextField(max_length=100, allow_blank=True, **optional("")),
        "position": TextField(max_length=100, allow_blank=True, **optional("")),
        "city": TextField(max_length=100, allow_blank=True, **optional("")),
        "region_id": _id_field(allow_null=True, **optional(None)),
        "marketer_id": _id_field(allow_null=True, **optional(None)),
        "preferred_channel": serializers.ChoiceField(
            choices=Customer.Channel.choices, **optional(Customer.Channel.SMS)
        ),
        "language": serializers.ChoiceField(
            choices=Customer.Language.choices, **optional(Customer.Language.PERSIAN)
        ),
        "insurance_needs": serializers.ListField(
            child=serializers.SlugField(max_length=40),
            max_length=30,
            help_text="Other insurance needs: codes of the catalog's lines.",
            **optional(list),
        ),
        "insurance_needs_note": TextField(
            max_length=2000, multiline=True, allow_blank=True, **optional("")
        ),
        "notes": TextField(max_length=4000, multiline=True, allow_blank=True, **optional("")),
    }


CustomerFields: type[serializers.Serializer] = type(
    "CustomerFields", (serializers.Serializer,), _customer_fields(defaults=True)
)


class CustomerCreateInput(CustomerFields):  # type: ignore[valid-type,misc]
    class Meta:
        ref_name = "CrmCustomerCreateInput"

    phones = serializers.ListField(
        child=PhoneInputSerializer(), max_length=10, required=False, default=list
    )
    emails = serializers.ListField(
        # Checked by the service (a 422): the schema's e-mail format is looser than Django's.
        child=serializers.CharField(max_length=254, allow_blank=True),
        max_length=10,
        required=False,
        default=list,
    )
    addresses = serializers.ListField(
        child=AddressInputSerializer(), max_length=10, required=False, default=list
    )
    group_ids = serializers.ListField(
        child=_id_field(), max_length=50, required=False, default=list
    )
    sms_consent_source = serializers.ChoiceField(
        choices=Customer.ConsentSource.choices,
        required=False,
        help_text="How the customer agreed to SMS, when they did.",
    )
    allow_duplicates = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Register even though customers that may be the same were found (409).",
    )


class _UpdateMeta:
    ref_name = "CrmCustomerUpdateInput"


CustomerUpdateInput: type[serializers.Serializer] = type(
    "CustomerUpdateInput",
    (serializers.Serializer,),
    {
        "__doc__": "The customer's details to change; only the fields sent change.",
        "Meta": _UpdateMeta,
        "kind": serializers.ChoiceField(choices=Customer.Kind.choices, required=False),
        **_customer_fields(defaults=False),
    },
)


class DuplicateSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmDuplicateCandidate"

    customer = CustomerRefSerializer()
    national_code = serializers.CharField(allow_null=True)
    mobile = serializers.CharField()
    score = serializers.IntegerField(help_text="How sure, 0-100.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="mobile, name")


class PossibleDuplicatesError(serializers.Serializer):
    """The 409 of registering a customer: the error shape plus the customers found."""

    class Meta:
        ref_name = "CrmPossibleDuplicates"

    detail = serializers.CharField()
    code = serializers.CharField()
    candidates = DuplicateSerializer(many=True)


class CustomerListQuery(PageQuery):
    q = serializers.CharField(
        max_length=100,
        allow_blank=True,
        required=False,
        default="",
        help_text="Words of a name, national code or mobile in any spelling, or a phone number "
        "in any form.",
    )
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    party = serializers.ChoiceField(choices=Customer.Party.choices, required=False)
    band = serializers.ChoiceField(choices=CustomerRank.Band.choices, required=False)
    group = _id_field(required=False)
    region = _id_field(required=False)
    marketer = _id_field(required=False)


def _one_of_agency(model: type[models.Model], pk: int | None, field: str, message: Any) -> Any:
    """The row of the agency's schema with ``pk`` (None for None); a 422 when there is none."""
    if pk is None:
        return None
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: [message]})
    return row


def _check_birth_date(value: dt.date | None) -> None:
    today = timezone.localdate()
    if value is not None and not (today - dt.timedelta(days=120 * 366) < value <= today):
        raise ValidationError({"birth_date": [gettext("Enter a real birth date.")]})


def _resolve_links(data: dict[str, Any]) -> dict[str, Any]:
    """Region and marketer ids → the agency's rows (what the services take)."""
    if "region_id" in data:
        data["region"] = _one_of_agency(
            Region, data.pop("region_id"), "region_id", _("There is no such region here.")
        )
    if "marketer_id" in data:
        data["marketer"] = _one_of_agency(
            Marketer, data.pop("marketer_id"), "marketer_id", _("There is no such marketer here.")
        )
    return data


def customer_live_or_404(customer_id: int) -> Customer:
    customer = customers_live().filter(pk=customer_id).first()
    if customer is None:
        raise Http404
    return customer


class CustomerListCreateApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_list",
        parameters=[CustomerListQuery],
        responses={200: page_of(CustomerListItemSerializer, "CrmCustomerPage"), **errors(400)},
    )
    def get(self, request):
        """The agency's customers, newest first: search and filters, one page at a time."""
        query = CustomerListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        customers = customer_list(
            membership=self.membership,
            query=filters["q"],
            kind=filters.get("kind"),
            party=filters.get("party"),
            band=filters.get("band"),
            group_id=filters.get("group"),
            region_id=filters.get("region"),
            marketer_id=filters.get("marketer"),
        )
        return self.paginate(customers, CustomerListItemSerializer)

    @extend_schema(
        operation_id="crm_customers_create",
        request=CustomerCreateInput,
        responses={
            201: CustomerCardSerializer,
            409: PossibleDuplicatesError,
            **errors(422),
        },
    )
    def post(self, request):
        """Register a prospective customer. Customers that may be the same person are a 409
        with the candidates; send again with ``allow_duplicates`` to register anyway."""
        body = CustomerCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = _resolve_links(dict(body.validated_data))
        _check_birth_date(data["birth_date"])
        group_ids = sorted(set(data.pop("group_ids")))
        groups = list(CustomerGroup.objects.filter(pk__in=group_ids))
        if len(groups) != len(group_ids):
            raise ValidationError({"group_ids": [_("There is no such group here.")]})
        data["phones"] = [PhoneInput(**phone) for phone in data["phones"]]
        data["addresses"] = [_address_input(address) for address in data["addresses"]]
        try:
            customer = customer_create(
                agency=self.agency, actor=request.user, groups=groups, **data
            )
        except PossibleDuplicates as found:
            refusal = {
                "detail": found.messages[0],
                "code": "possible_duplicates",
                "candidates": [
                    {
                        "customer": candidate.customer,
                        "national_code": candidate.customer.national_code,
                        "mobile": candidate.customer.mobile,
                        "score": candidate.score,
                        "reasons": candidate.reasons,
                    }
                    for candidate in found.candidates
                ],
            }
            return Response(PossibleDuplicatesError(refusal).data, status=status.HTTP_409_CONFLICT)
        return Response(self.card(customer.pk), status=status.HTTP_201_CREATED)

    def card(self, customer_id: int) -> dict[str, Any]:
        return card_data(customer_id, self.membership)


def card_data(customer_id: int, membership: Any) -> dict[str, Any]:
    card = customer_card(customer_id=customer_id, membership=membership)
    if card is None:
        raise Http404
    return CustomerCardSerializer(card).data


CUSTOMER_ID = id_parameter("crm_customer_id", "The customer's id in the agency's CRM.")


class CustomerDetailApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_retrieve",
        parameters=[CUSTOMER_ID],
        responses={200: CustomerCardSerializer},
    )
    def get(self, request, crm_customer_id: int):
        """The customer's card: contact points, relations, groups, rank, policies, open cases
        (staff: theirs) and the cheques and notes still due."""
        return Response(card_data(crm_customer_id, self.membership))

    @extend_schema(
        operation_id="crm_customers_partial_update",
        parameters=[CUSTOMER_ID],
        request=CustomerUpdateInput,
        responses={200: CustomerCardSerializer, **errors(409, 422)},
    )
    def patch(self, request, crm_customer_id: int):
        """Change the customer's details; only the fields sent change."""
        customer = customer_live_or_404(crm_customer_id)
        body = CustomerUpdateInput(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = _resolve_links(dict(body.validated_data))
        if "birth_date" in data:
            _check_birth_date(data["birth_date"])
        if data:
            customer_update(agency=self.agency, actor=request.user, customer=customer, **data)
        return Response(card_data(crm_customer_id, self.membership))


# --- contact points ---------------------------------------------------------------------------


class PhoneAddInput(PhoneInputSerializer):
    class Meta:
        ref_name = "CrmPhoneAddInput"

    primary = serializers.BooleanField(required=False, default=False)


class EmailAddInput(serializers.Serializer):
    class Meta:
        ref_name = "CrmEmailAddInput"

    # Checked by the service (a 422): the schema's e-mail format is looser than Django's.
    address = serializers.CharField(max_length=254)


def _renamed(error: ValidationError, old: str, new: str) -> ValidationError:
    if hasattr(error, "error_dict") and old in error.error_dict:
        return ValidationError(
            {new if key == old else key: value for key, value in error.error_dict.items()}
        )
    return error


class CustomerPhonesApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_phones_create",
        parameters=[CUSTOMER_ID],
        request=PhoneAddInput,
        responses={201: PhoneSerializer, **errors(409, 422)},
    )
    def post(self, request, crm_customer_id: int):
        """Add a phone number (in any form); nothing changes if the customer has it."""
        customer = customer_live_or_404(crm_customer_id)
        body = PhoneAddInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            phone = contact_services.customer_phone_add(
                agency=self.agency,
                actor=request.user,
                customer=customer,
                phone=PhoneInput(
                    number=data["number"], kind=data.get("kind", ""), label=data["label"]
                ),
                primary=data["primary"],
            )
        except ValidationError as error:
            raise _renamed(error, "phones", "number") from None
        phone.refresh_from_db()
        return Response(PhoneSerializer(phone).data, status=status.HTTP_201_CREATED)


class CustomerPhoneApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_phones_destroy",
        parameters=[CUSTOMER_ID, id_parameter("phone_id", "The phone's id.")],
        responses={204: None, **errors(409)},
    )
    def delete(self, request, crm_customer_id: int, phone_id: int):
        """Remove a phone number; if it was the primary one, the next takes over."""
        customer = customer_live_or_404(crm_customer_id)
        phone = CustomerPhone.objects.filter(pk=phone_id, customer=customer).first()
        if phone is None:
            raise Http404
        contact_services.customer_phone_remove(agency=self.agency, actor=request.user, phone=phone)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerEmailsApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_emails_create",
        parameters=[CUSTOMER_ID],
        request=EmailAddInput,
        responses={201: EmailSerializer, **errors(409, 422)},
    )
    def post(self, request, crm_customer_id: int):
        """Add an e-mail address; nothing changes if the customer has it."""
        customer = customer_live_or_404(crm_customer_id)
        body = EmailAddInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            email = contact_services.customer_email_add(
                agency=self.agency,
                actor=request.user,
                customer=customer,
                email=body.validated_data["address"],
            )
        except ValidationError as error:
            raise _renamed(error, "emails", "address") from None
        return Response(EmailSerializer(email).data, status=status.HTTP_201_CREATED)


class CustomerEmailApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_emails_destroy",
        parameters=[CUSTOMER_ID, id_parameter("email_id", "The e-mail's id.")],
        responses={204: None, **errors(409)},
    )
    def delete(self, request, crm_customer_id: int, email_id: int):
        """Remove an e-mail address."""
        customer = customer_live_or_404(crm_customer_id)
        email = CustomerEmail.objects.filter(pk=email_id, customer=customer).first()
        if email is None:
            raise Http404
        contact_services.customer_email_remove(agency=self.agency, actor=request.user, email=email)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustomerAddressesApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_addresses_create",
        parameters=[CUSTOMER_ID],
        request=AddressInputSerializer,
        responses={201: AddressSerializer, **errors(409, 422)},
    )
    def post(self, request, crm_customer_id: int):
        """Add a postal address; nothing changes if the same address and postal code exist."""
        customer = customer_live_or_404(crm_customer_id)
        body = AddressInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            address = contact_services.customer_address_add(
                agency=self.agency,
                actor=request.user,
                customer=customer,
                address=_address_input(dict(body.validated_data)),
            )
        except ValidationError as error:
            raise _renamed(error, "addresses", "address") from None
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class CustomerAddressApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_customers_addresses_destroy",
        parameters=[CUSTOMER_ID, id_parameter("address_id", "The address's id.")],
        responses={204: None, **errors(409)},
    )
    def delete(self, request, crm_customer_id: int, address_id: int):
        """Remove a postal address."""
        customer = customer_live_or_404(crm_customer_id)
        address = CustomerAddress.objects.filter(pk=address_id, customer=customer).first()
        if address is None:
            raise Http404
        contact_services.customer_address_remove(
            agency=self.agency, actor=request.user, address=address
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

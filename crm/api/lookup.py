"""Caller lookup (S-6.5) for a logged-in member: a phone number in any form → the customers
holding it and the card of the first, and a contact in the log. (The telephony system's own
endpoint, with a token per agency, is a separate view.)"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from core.api import errors
from crm.api.base import AgencyMemberApi
from crm.api.customers import card_data
from crm.api.serializers import CustomerCardSerializer, customer_band
from crm.models import Customer, CustomerRank
from crm.services.lookup import caller_lookup


class LookupQuery(serializers.Serializer):
    phone = serializers.CharField(
        max_length=30,
        help_text="The caller's number in any form: +98, 0098, 0 or none, Persian or "
        "Arabic-Indic digits, spaces and dashes.",
    )


class LookupMatchSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmLookupMatch"

    id = serializers.IntegerField()
    display_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Customer.Kind.choices)
    party = serializers.ChoiceField(choices=Customer.Party.choices)
    national_code = serializers.CharField(allow_null=True)
    mobile = serializers.CharField()
    rank_band = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(choices=CustomerRank.Band.choices, allow_null=True)
    )
    def get_rank_band(self, customer) -> str | None:
        return customer_band(customer)


class LookupSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmLookup"

    number = serializers.CharField(help_text="The number as stored (09… or area code first).")
    matches = LookupMatchSerializer(many=True, help_text="Customers holding it; none: a new one.")
    card = CustomerCardSerializer(allow_null=True, help_text="The first match's card.")


class LookupApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_lookup",
        parameters=[LookupQuery],
        responses={200: LookupSerializer, **errors(400, 422)},
    )
    def get(self, request):
        """Who is calling: the customers holding the number (the one whose primary number it
        is first) and the first one's card; every lookup is logged as a contact."""
        query = LookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            found = caller_lookup(
                agency=self.agency,
                actor=request.user,
                phone=query.validated_data["phone"],
                via="api",
            )
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
        first = found.customer
        return Response(
            {
                "number": found.number,
                "matches": LookupMatchSerializer(found.customers, many=True).data,
                "card": card_data(first.pk, self.membership) if first else None,
            }
        )

"""What the CRM's API answers: customers, their card, the book and cases (output only; each
view keeps its own input serializer). Amounts are whole rials as text, dates ISO 8601."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.models import (
    Activity,
    BookPolicy,
    Case,
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerRank,
    CustomerRelation,
    Instrument,
)
from crm.selectors.card import CustomerCard


def _rials(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=0, **kwargs)


class NamedSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmNamed"

    id = serializers.IntegerField()
    name = serializers.CharField()


class RegionSerializer(NamedSerializer):
    class Meta:
        ref_name = "CrmRegion"


class MarketerSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmMarketer"

    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, marketer) -> str:
        return str(marketer)


class RankSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmRank"

    band = serializers.ChoiceField(choices=CustomerRank.Band.choices)
    score = serializers.DecimalField(max_digits=12, decimal_places=4)
    premium_paid = _rials()
    purchase_count = serializers.IntegerField()
    commission = _rials()
    claims_paid = _rials()
    loss_ratio = serializers.DecimalField(max_digits=9, decimal_places=4)
    bounced_cheques = serializers.IntegerField()
    computed_at = serializers.DateTimeField()


def customer_band(customer: Customer) -> str | None:
    try:
        return customer.rank.band
    except CustomerRank.DoesNotExist:
        return None


class CustomerListItemSerializer(serializers.Serializer):
    """A row of the customer list: what the list shows, with its rank band."""

    class Meta:
        ref_name = "CrmCustomerListItem"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Customer.Kind.choices)
    party = serializers.ChoiceField(choices=Customer.Party.choices)
    display_name = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    company_name = serializers.CharField()
    national_code = serializers.CharField(allow_null=True)
    mobile = serializers.CharField()
    city = serializers.CharField()
    region = RegionSerializer(allow_null=True)
    marketer = MarketerSerializer(allow_null=True)
    rank_band = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(
        serializers.ChoiceField(choices=CustomerRank.Band.choices, allow_null=True)
    )
    def get_rank_band(self, customer) -> str | None:
        return customer_band(customer)


class PhoneSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmPhone"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CustomerPhone.Kind.choices)
    number = serializers.CharField()
    extension = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF pops it off the class
    is_primary = serializers.BooleanField()
    marked_wrong_at = serializers.DateTimeField(allow_null=True)


class EmailSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmEmail"

    id = serializers.IntegerField()
    address = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF pops it off the class
    is_primary = serializers.BooleanField()


class AddressSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmAddress"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CustomerAddress.Kind.choices)
    province = serializers.CharField()
    city = serializers.CharField()
    address = serializers.CharField()
    postal_code = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    is_primary = serializers.BooleanField()


class CustomerRefSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmCustomerRef"

    id = serializers.IntegerField()
    display_name = serializers.CharField()


class RelationSerializer(serializers.Serializer):
    """A related person, seen from this customer (``kind``: who they are to the customer)."""

    class Meta:
        ref_name = "CrmRelation"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CustomerRelation.Kind.choices)
    customer = CustomerRefSerializer(allow_null=True, help_text="The related customer, if one.")
    name = serializers.CharField()
    mobile = serializers.CharField()


class BookPolicySerializer(serializers.Serializer):
    """A policy of the agency's book (sold here or held with another insurer)."""

    class Meta:
        ref_name = "CrmBookPolicy"

    id = serializers.IntegerField()
    customer = CustomerRefSerializer()
    origin = serializers.ChoiceField(choices=BookPolicy.Origin.choices)
    insurer_code = serializers.CharField()
    insurer_name = serializers.CharField()
    line_code = serializers.CharField()
    line_name = serializers.SerializerMethodField()
    number = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    premium = _rials(allow_null=True)
    commission = _rials(allow_null=True)
    subject = serializers.CharField()
    plate = serializers.CharField()
    state = serializers.ChoiceField(choices=BookPolicy.State.choices)
    renewed_by_id = serializers.IntegerField(allow_null=True)

    def get_line_name(self, policy) -> str:
        return self.context.get("line_names", {}).get(policy.line_code, policy.line_code)


class BookPolicyDetailSerializer(BookPolicySerializer):
    class Meta:
        ref_name = "CrmBookPolicyDetail"

    policy_id = serializers.IntegerField(allow_null=True, help_text="The ledger's policy.")
    marketer = MarketerSerializer(allow_null=True)
    sold_by = serializers.SerializerMethodField()
    delivery_method = serializers.CharField(help_text="post, courier, agency_courier, in_person")
    delivery_date = serializers.DateField(allow_null=True)
    delivery_time = serializers.TimeField(allow_null=True)
    delivery_address = serializers.SerializerMethodField()
    extra_1 = serializers.CharField()
    extra_2 = serializers.CharField()
    extra_3 = serializers.CharField()
    extra_4 = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_sold_by(self, policy) -> str | None:
        return self.context.get("user_names", {}).get(policy.sold_by_user_id)

    def get_delivery_address(self, policy) -> str:
        if policy.delivery_address_id and policy.delivery_address is not None:
            return policy.delivery_address.address
        return policy.delivery_address_text


class CaseSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmCase"

    id = serializers.IntegerField()
    customer = CustomerRefSerializer(allow_null=True)
    book_policy_id = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=Case.Kind.choices)
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=Case.State.choices)
    priority = serializers.ChoiceField(choices=Case.Priority.choices)
    assignee_user_id = serializers.IntegerField(allow_null=True)
    assignee = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_assignee(self, case) -> str | None:
        return self.context.get("user_names", {}).get(case.assignee_user_id)


class ActivitySerializer(serializers.Serializer):
    class Meta:
        ref_name = "CrmActivity"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    subject = serializers.CharField()
    note = serializers.CharField()
    assignee_user_id = serializers.IntegerField(allow_null=True)
    assignee = serializers.SerializerMethodField()
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField()
    remind_at = serializers.DateTimeField(allow_null=True)

    def get_assignee(self, activity) -> str | None:
        return self.context.get("user_names", {}).get(activity.assignee_user_id)


class CaseDetailSerializer(CaseSerializer):
    class Meta:
        ref_name = "CrmCaseDetail"

    description = serializers.CharField()
    result = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    activities = serializers.SerializerMethodField()

    @extend_schema_field(ActivitySerializer(many=True))
    def get_activities(self, case) -> Any:
        return ActivitySerializer(
            self.context.get("activities", []), many=True, context=self.context
        ).data


class InstrumentSerializer(serializers.Serializer):
    """A cheque, promissory note or debit note of the customer."""

    class Meta:
        ref_name = "CrmInstrument"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Instrument.Kind.choices)
    amount = _rials()
    due_date = serializers.DateField()
    bank_name = serializers.CharField()
    number = serializers.CharField()
    state = serializers.ChoiceField(choices=Instrument.State.choices)


class CustomerCardSerializer(serializers.Serializer):
    """Everything the card shows of a customer, from ``crm.selectors.card.customer_card``."""

    class Meta:
        ref_name = "CrmCustomerCard"

    id = serializers.IntegerField(source="customer.id")
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, source="customer.kind")
    party = serializers.ChoiceField(choices=Customer.Party.choices, source="customer.party")
    display_name = serializers.CharField(source="customer.display_name")
    first_name = serializers.CharField(source="customer.first_name")
    last_name = serializers.CharField(source="customer.last_name")
    company_name = serializers.CharField(source="customer.company_name")
    national_code = serializers.CharField(source="customer.national_code", allow_null=True)
    birth_date = serializers.DateField(source="customer.birth_date", allow_null=True)
    job = serializers.CharField(source="customer.job")
    position = serializers.CharField(source="customer.position")
    city = serializers.CharField(source="customer.city")
    region = RegionSerializer(source="customer.region", allow_null=True)
    marketer = MarketerSerializer(source="customer.marketer", allow_null=True)
    mobile = serializers.CharField(source="customer.mobile")
    preferred_channel = serializers.ChoiceField(
        choices=Customer.Channel.choices, source="customer.preferred_channel"
    )
    language = serializers.ChoiceField(
        choices=Customer.Language.choices, source="customer.language"
    )
    insurance_needs = serializers.ListField(
        child=serializers.CharField(), source="customer.insurance_needs"
    )
    insurance_needs_note = serializers.CharField(source="customer.insurance_needs_note")
    notes = serializers.CharField(source="customer.notes")
    source = serializers.ChoiceField(  # type: ignore[assignment]  # DRF pops it off the class
        choices=Customer.Source.choices, source="customer.source"
    )
    sms_consent = serializers.BooleanField(source="customer.sms_consent")
    sms_opted_out_at = serializers.DateTimeField(
        source="customer.sms_opted_out_at", allow_null=True
    )
    created_at = serializers.DateTimeField(source="customer.created_at")
    updated_at = serializers.DateTimeField(source="customer.updated_at")
    rank = RankSerializer(allow_null=True)
    phones = PhoneSerializer(many=True)
    emails = EmailSerializer(many=True)
    addresses = AddressSerializer(many=True)
    relations = serializers.SerializerMethodField()
    groups = NamedSerializer(many=True)
    policies = serializers.SerializerMethodField()
    open_cases = serializers.SerializerMethodField()
    instruments_due = InstrumentSerializer(many=True)

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, card: CustomerCard) -> Any:
        rows = [
            {
                "id": row.pk,
                "kind": row.kind,
                "customer": row.related_customer,
                "name": row.name,
                "mobile": row.mobile,
            }
            for row in card.relations
        ] + [
            {
                "id": row.pk,
                "kind": CustomerRelation.INVERSE[row.kind],
                "customer": row.customer,
                "name": "",
                "mobile": "",
            }
            for row in card.related_from
        ]
        return RelationSerializer(rows, many=True).data

    @extend_schema_field(BookPolicySerializer(many=True))
    def get_policies(self, card: CustomerCard) -> Any:
        for policy in card.book:
            policy.customer = card.customer
        return BookPolicySerializer(
            card.book, many=True, context={"line_names": card.line_names}
        ).data

    @extend_schema_field(CaseSerializer(many=True))
    def get_open_cases(self, card: CustomerCard) -> Any:
        for case in card.open_cases:
            case.customer = card.customer
        return CaseSerializer(
            card.open_cases, many=True, context={"user_names": card.user_names}
        ).data

"""What the advice API reads and answers (decision 017): the customer's side never names an
agency before acceptance, the agency's side never names the customer before it is chosen."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advice.models import AdviceRequest
from core.api import LatitudeField, LongitudeField, TextField

MAX_ID = 2**63 - 1
PREMIUM_MAX = 10**18 - 1


class RequestCreateSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceRequestCreateInput"

    line = serializers.SlugField(max_length=40, help_text="The line's code, e.g. third_party.")
    note = TextField(multiline=True, max_length=1000, allow_blank=True, required=False, default="")
    province = TextField(max_length=100, allow_blank=True, required=False, default="")
    city = TextField(max_length=100, allow_blank=True, required=False, default="")
    latitude = LatitudeField(required=False, allow_null=True, default=None)
    longitude = LongitudeField(required=False, allow_null=True, default=None)


class AcceptSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceAcceptInput"

    answer = serializers.IntegerField(
        min_value=1, max_value=32767, help_text="The answer's number (Agency 1, 2…)."
    )


class RatingSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceRating"

    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = TextField(
        multiline=True, max_length=1000, allow_blank=True, required=False, default=""
    )


class AnswerInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceAnswerInput"

    message = TextField(multiline=True, max_length=2000)
    premium = serializers.IntegerField(
        min_value=1,
        max_value=PREMIUM_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="A premium quote in rials (optional).",
    )


class RequestSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceRequest"

    id = serializers.IntegerField(source="pk")
    line = serializers.CharField(source="line.code")
    state = serializers.ChoiceField(choices=AdviceRequest.State.choices)
    note = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    answers = serializers.IntegerField(source="answer_count")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class AnswerSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceAnswer"

    number = serializers.IntegerField(help_text="Agency 1, 2… in the order the answers came.")
    message = serializers.CharField()
    premium = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    chosen = serializers.SerializerMethodField()

    def get_chosen(self, answer) -> bool:
        return answer.pk == self.context.get("chosen_id")


class AgencyContactSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceAgencyContact"

    code = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    address = serializers.CharField()


class RequestDetailSerializer(RequestSerializer):
    class Meta:
        ref_name = "AdviceRequestDetail"

    answers = serializers.SerializerMethodField()  # type: ignore[assignment]
    agency = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, request) -> list:
        chosen = request.accepted_answer_id
        return list(
            AnswerSerializer(self.context["answers"], many=True, context={"chosen_id": chosen}).data
        )

    @extend_schema_field(AgencyContactSerializer(allow_null=True))
    def get_agency(self, request) -> dict | None:
        """The chosen agency's contacts: only once the customer accepted its answer."""
        if request.accepted_answer_id is None:
            return None
        return AgencyContactSerializer(request.accepted_answer.agency).data

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, request) -> dict | None:
        rating = getattr(request, "rating", None)
        return {"score": rating.score, "comment": rating.comment} if rating else None


class CustomerContactSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceCustomerContact"

    name = serializers.CharField(source="get_full_name")
    mobile = serializers.CharField()


class MyAnswerSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceMyAnswer"

    message = serializers.CharField()
    premium = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class OfferedSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AdviceOffered"

    id = serializers.IntegerField(source="request_id", help_text="The request's id.")
    line = serializers.CharField(source="request.line.code")
    state = serializers.ChoiceField(source="request.state", choices=AdviceRequest.State.choices)
    province = serializers.CharField(source="request.province")
    city = serializers.CharField(source="request.city")
    note = serializers.CharField(source="request.note")
    distance_m = serializers.IntegerField()
    offered_at = serializers.DateTimeField()
    answered = serializers.BooleanField()
    chosen = serializers.BooleanField()


class OfferedDetailSerializer(OfferedSerializer):
    class Meta:
        ref_name = "AdviceOfferedDetail"

    answer = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()

    @extend_schema_field(MyAnswerSerializer(allow_null=True))
    def get_answer(self, offer) -> dict | None:
        answer = self.context.get("answer")
        return MyAnswerSerializer(answer).data if answer else None

    @extend_schema_field(CustomerContactSerializer(allow_null=True))
    def get_customer(self, offer) -> dict | None:
        """The customer's name and mobile: only once they chose this agency's answer."""
        if not offer.chosen:
            return None
        return CustomerContactSerializer(offer.request.customer).data

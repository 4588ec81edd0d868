"""Premium inquiry API (S-2.1): no login needed; the lines and prices of the site asked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import AnswersField, errors
from policies.models import Question
from policies.selectors import lines_for_site
from policies.services.events import Origin
from policies.services.quotes import quote_create, quote_get


class ChoiceOutputSerializer(serializers.Serializer):
    """One option of a choice question: the value to send and its label."""

    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class QuestionOutputSerializer(serializers.Serializer):
    """Labels, help and choice names in the request's language (``?lang=en`` or
    ``Accept-Language: en``; Persian otherwise)."""

    code = serializers.CharField()
    label = serializers.CharField(source="display_label")  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    required = serializers.BooleanField()  # type: ignore[assignment]
    choices = ChoiceOutputSerializer(
        source="display_choice_dicts", many=True, help_text="The options of a choice question."
    )
    min_value = serializers.DecimalField(max_digits=18, decimal_places=0, allow_null=True)
    max_value = serializers.DecimalField(max_digits=18, decimal_places=0, allow_null=True)
    default = serializers.CharField()  # type: ignore[assignment]
    help_text = serializers.CharField(source="display_help")  # type: ignore[assignment]


class LineOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="display_name")
    summary = serializers.CharField(source="display_summary")
    questions = serializers.SerializerMethodField()

    @extend_schema_field(QuestionOutputSerializer(many=True))
    def get_questions(self, line) -> Any:
        questions = [q for q in line.questions.all() if q.stage == "quote"]
        return QuestionOutputSerializer(questions, many=True).data


class BreakdownItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    amount = serializers.DecimalField(max_digits=18, decimal_places=0)


class QuoteOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    line = serializers.CharField(source="line.code")
    premium = serializers.DecimalField(max_digits=18, decimal_places=0)
    breakdown = BreakdownItemSerializer(source="breakdown_shown", many=True)
    term_days = serializers.IntegerField()
    tariff_version = serializers.IntegerField(source="tariff_version.number")
    answers = AnswersField()
    expires_at = serializers.DateTimeField()


def quote_json(quote) -> dict:
    """QuoteOutputSerializer's shape, built directly: this is the busiest response."""
    return {
        "id": str(quote.public_id),
        "line": quote.line.code,
        "premium": str(quote.premium),
        "breakdown": [
            {"code": item["code"], "label": item["label"], "amount": str(item["amount"])}
            for item in quote.breakdown_shown
        ],
        "term_days": quote.term_days,
        "tariff_version": quote.tariff_version.number,
        "answers": quote.answers,
        "expires_at": quote.expires_at.isoformat().replace("+00:00", "Z"),
    }


class LineListApi(APIView):
    """The lines of insurance on sale on this site, with the questions of their quote."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=LineOutputSerializer(many=True))
    def get(self, request):
        lines = lines_for_site(agency=request.agency).prefetch_related("questions")
        return Response(LineOutputSerializer(lines, many=True).data)


class QuoteCreateApi(APIView):
    """Price a line's answers. 400 lists every bad answer with a message in the request's
    language (Persian unless ``?lang=en`` or ``Accept-Language: en``).

    The busiest endpoint: JSON in and out only, no session lookup (a quote needs no
    login), and the answer is built without a serializer.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "QuoteCreateInput"

        line = serializers.SlugField(max_length=40, help_text="A line's code (see /api/lines/).")
        answers = AnswersField(help_text="The answers to the line's quote questions, by code.")

    @extend_schema(
        request=InputSerializer,
        responses={201: QuoteOutputSerializer, **errors(422)},
        examples=[
            OpenApiExample(
                "Third-party motor",
                request_only=True,
                value={
                    "line": "third_party",
                    "answers": {
                        "vehicle_group": "pride",
                        "usage": "personal",
                        "production_year": 1398,
                        "previous_insurer": "iran",
                        "no_claim_years": 3,
                    },
                },
            )
        ],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = quote_create(
            line=data.validated_data["line"],
            answers=data.validated_data["answers"],
            agency=request.agency,
            user=request._request.user,  # the session user, if a cookie came with it
            origin=Origin.of(request),
            defer=True,
        )
        return Response(quote_json(quote), status=status.HTTP_201_CREATED)


class QuoteDetailApi(APIView):
    """A quote made on this site."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=QuoteOutputSerializer)
    def get(self, request, public_id):
        quote = quote_get(public_id=public_id, agency=request.agency)
        if quote is None:
            raise NotFound
        return Response(QuoteOutputSerializer(quote).data)

"""Premium inquiry API (S-2.1): no login needed; the lines and prices of the site asked."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from policies.models import Quote
from policies.selectors import line_get_for_site, lines_for_site
from policies.services.events import Origin
from policies.services.quotes import quote_create


class QuestionOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    choices = serializers.JSONField()
    min_value = serializers.DecimalField(max_digits=18, decimal_places=0, allow_null=True)
    max_value = serializers.DecimalField(max_digits=18, decimal_places=0, allow_null=True)
    default = serializers.CharField()  # type: ignore[assignment]
    help_text = serializers.CharField()  # type: ignore[assignment]


class LineOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField()
    questions = serializers.SerializerMethodField()

    @extend_schema(responses=QuestionOutputSerializer(many=True))
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
    breakdown = BreakdownItemSerializer(many=True)
    term_days = serializers.IntegerField()
    tariff_version = serializers.IntegerField(source="tariff_version.number")
    answers = serializers.JSONField()
    expires_at = serializers.DateTimeField()


class LineListApi(APIView):
    """The lines of insurance on sale on this site, with the questions of their quote."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=LineOutputSerializer(many=True))
    def get(self, request):
        lines = lines_for_site(agency=request.agency).prefetch_related("questions")
        return Response(LineOutputSerializer(lines, many=True).data)


class QuoteCreateApi(APIView):
    """Price a line's answers. 400 lists every bad answer with a Persian message."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        line = serializers.SlugField()
        answers = serializers.DictField()

    @extend_schema(request=InputSerializer, responses={201: QuoteOutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = line_get_for_site(code=data.validated_data["line"], agency=request.agency)
        if line is None:
            return Response({"line": [_not_sold()]}, status=status.HTTP_400_BAD_REQUEST)
        quote = quote_create(
            line=line,
            answers=data.validated_data["answers"],
            agency=request.agency,
            user=request.user,
            origin=Origin.of(request),
        )
        return Response(QuoteOutputSerializer(quote).data, status=status.HTTP_201_CREATED)


def _not_sold() -> str:
    from django.utils.translation import gettext as _

    return _("This insurance is not sold on this site.")


class QuoteDetailApi(APIView):
    """A quote made on this site."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=QuoteOutputSerializer)
    def get(self, request, public_id):
        quote = (
            Quote.objects.select_related("line", "tariff_version")
            .filter(public_id=public_id, agency=request.agency)
            .first()
        )
        if quote is None:
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(QuoteOutputSerializer(quote).data)

"""Premium inquiry API (S-2.1): no login needed; the lines and prices of the site asked."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from core.api import AnswersField, errors, exception_handler
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


# The URL serves ``quote_create_view`` (below), which answers a well-formed request itself
# and hands everything else to this class; the schema is this class's, docstring included
# (it is the operation's description), so it is unchanged (decision 057).
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


# --- the plain view of POST /api/quotes/ (decision 057) -----------------------------------

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_ANY_JSON = frozenset({"", "*/*", "application/json", "application/*"})
_PLAIN_BODY_LIMIT = 65_536  # a quote's body is a few hundred bytes; larger goes to DRF
_ALLOW = "POST, OPTIONS"  # what DRF sends with every answer of QuoteCreateApi
_drf_quote_create = QuoteCreateApi.as_view()


def _refuse_constant(name: str) -> float:
    raise ValueError(name)  # NaN and Infinity are not JSON (DRF's STRICT_JSON)


def _plain_input(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    """``(line, answers)`` when the request is one QuoteCreateApi would take exactly as it
    came; None for anything else (DRF then gives its own answer, error format included)."""
    if (
        request.method != "POST"
        or request.content_type != "application/json"
        or (request.content_params or {}).get("charset", "utf-8").lower() not in ("utf-8", "utf8")
        or request.META.get("HTTP_ACCEPT", "") not in _ANY_JSON
        or "format" in request.GET
    ):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= _PLAIN_BODY_LIMIT:
        return None
    try:
        data = json.loads(request.body.decode("utf-8"), parse_constant=_refuse_constant)
    except ValueError:
        return None
    if type(data) is not dict:
        return None
    line, answers = data.get("line"), data.get("answers")
    if type(line) is not str or len(line) > 40 or not _SLUG.fullmatch(line):
        return None
    if type(answers) is not dict or len(answers) > 50:
        return None
    for value in answers.values():
        kind = type(value)
        if value is None or kind is bool or kind is int:
            continue
        if kind is float and math.isfinite(value):
            continue
        if kind is str and len(value) <= 200 and "\x00" not in value:
            continue
        return None
    return line, answers


def _json_response(data: Any, status_code: int) -> HttpResponse:
    """The bytes DRF's JSONRenderer writes (compact, UTF-8, U+2028/2029 escaped)."""
    text = json.dumps(
        data, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    )
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    response = HttpResponse(text.encode(), status=status_code, content_type="application/json")
    response["Allow"] = _ALLOW
    return response


@csrf_exempt
def quote_create_view(request: HttpRequest) -> HttpResponse:
    """POST /api/quotes/ without DRF's request, parser, serializer and response objects: a
    well-formed request (the JSON of the published schema) is checked here exactly as
    ``QuoteCreateApi.InputSerializer`` checks it, priced, and answered in the same JSON;
    anything else — bad JSON, a field of the wrong type, another content type or method —
    is answered by ``QuoteCreateApi`` itself, so refusals keep DRF's statuses, messages and
    the error format of decision 017 to the byte."""
    fields = _plain_input(request)
    if fields is None:
        return _drf_quote_create(request)
    line, answers = fields
    try:
        quote = quote_create(
            line=line,
            answers=answers,
            agency=request.agency,  # type: ignore[attr-defined]
            # The session user, if a session cookie came with it (without one, reading the
            # lazy user would only find that out).
            user=request.user if settings.SESSION_COOKIE_NAME in request.COOKIES else None,
            origin=Origin.of(request),
            defer=True,
        )
    except Exception as error:
        refusal = exception_handler(error, {})
        if refusal is None:
            raise
        response = _json_response(refusal.data, refusal.status_code)
        if "Retry-After" in refusal:
            response["Retry-After"] = refusal["Retry-After"]
        return response
    return _json_response(quote_json(quote), status.HTTP_201_CREATED)


# drf-spectacular documents a URL whose callback names an APIView class: this one is
# documented as QuoteCreateApi, whose schema it keeps.
quote_create_view.cls = QuoteCreateApi  # type: ignore[attr-defined]
quote_create_view.initkwargs = {}  # type: ignore[attr-defined]


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

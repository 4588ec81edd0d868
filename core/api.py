"""API plumbing shared by every app: one error shape, honest status codes, JSON in and out.

Every refusal is ``{"detail": <a sentence for a person>, "code": <a stable code>,
"fields": {<field>: [<messages>]}}`` (``fields`` only when fields are at fault; a nested
field is named with dots, e.g. ``answers.production_year``). The status says whose side
the problem is on:

- 400: the request does not match the published schema (types, lengths, formats, enums);
- 401: no login (``WWW-Authenticate: Session``); 403: logged in but not allowed, or the
  CSRF token is missing on an unsafe method;
- 404: no such resource on this site;
- 409: the resource's state refuses the action now (an order already paid, a taken code);
- 415: a body in a content type the operation does not take;
- 422: the request matches the schema, but a business rule refuses it (a tariff's range,
  a national code's check digit, an expired quote);
- 429 / 503: too many requests / a service the request needs is down; both carry
  ``Retry-After``.

``ApiSchema`` writes these responses into the OpenAPI schema, so that what the schema
says and what the server does are the same thing (tests/api/ holds both to it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.digits import to_persian_digits
from core.errors import Conflict, Throttled, Unavailable
from core.text import normalize_text
from core.text.rules import DROPPED, LINE_BREAKS, SOFT_BREAKS, SPACES, ZWNJ

# --- the error body ----------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every 4xx and 5xx answer of the API."""

    class Meta:
        ref_name = "Error"

    detail = serializers.CharField(help_text="What went wrong, for a person, in their language.")
    code = serializers.CharField(
        help_text="A stable code for programs, e.g. invalid, not_authenticated, "
        "permission_denied, csrf_failed, not_found, order_state, quote_expired, throttled."
    )
    fields = serializers.DictField(  # type: ignore[assignment]  # DRF pops it off the class
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Messages per field at fault; nested fields are named with dots.",
    )


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return {prefix: [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix: [str(detail)]}


def _first_code(codes: Any) -> str | None:
    if isinstance(codes, dict):
        codes = list(codes.values())
    if isinstance(codes, list | tuple):
        for item in codes:
            found = _first_code(item)
            if found:
                return found
        return None
    return str(codes) if codes else None


def error_body(detail: Any, *, code: str | None = None) -> dict[str, Any]:
    """The error shape for ``detail``: a message, a list of messages or messages per field."""
    if isinstance(detail, dict):
        fields = _flatten(detail)
        general = [
            message
            for key in (NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY)
            for message in fields.pop(key, [])
        ]
        messages = [message for field in fields.values() for message in field]
        if general:
            summary = " ".join(general)
        elif len(messages) == 1:
            summary = messages[0]
        else:
            summary = gettext("Some fields are not valid; see the message of each one.")
        body: dict[str, Any] = {"detail": summary, "code": code or "invalid"}
        if fields:
            body["fields"] = fields
        return body
    if isinstance(detail, list | tuple):
        return {"detail": " ".join(str(item) for item in detail), "code": code or "invalid"}
    return {"detail": str(detail), "code": code or "error"}


def _service_error(exc: DjangoValidationError) -> Response:
    headers = {}
    status_code: int
    if isinstance(exc, Conflict):
        status_code = status.HTTP_409_CONFLICT
    elif isinstance(exc, Unavailable | Throttled):
        status_code = (
            status.HTTP_503_SERVICE_UNAVAILABLE
            if isinstance(exc, Unavailable)
            else status.HTTP_429_TOO_MANY_REQUESTS
        )
        headers["Retry-After"] = str(exc.retry_after)
    else:
        status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    if hasattr(exc, "error_dict"):
        body = error_body(exc.message_dict, code="conflict" if isinstance(exc, Conflict) else None)
    else:
        codes = [error.code for error in exc.error_list if error.code]
        body = error_body(exc.messages, code=codes[0] if codes else None)
    return Response(body, status=status_code, headers=headers)


def exception_handler(exc, context):
    """Every refusal in the one error shape, with the status of its cause (module docstring).

    A Django ``ValidationError`` comes from a service or a model: the request matched the
    schema (the serializers let it through), so a rule refused it: 422, or 409/429/503 for
    the subclasses above. Anything unexpected stays a 500 (and is logged as one).
    """
    if isinstance(exc, DjangoValidationError):
        return _service_error(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(
            _("The request body could not be read: send valid JSON."), code="parse_error"
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(exc.detail, code="invalid")
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(
            detail if not isinstance(detail, dict | list) else " ".join(map(str, detail)),
            code=code,
        )
    return response


class ApiNotFound(APIView):
    """Any /api/ URL that names nothing (or an id in the wrong form): a JSON 404, never the
    site's HTML page. Not in the schema: it is the answer to what the schema does not list."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None

    def dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        self.request = self.initialize_request(request, *args, **kwargs)
        self.headers = self.default_response_headers
        response = self.handle_exception(exceptions.NotFound())
        self.response = self.finalize_response(self.request, response, *args, **kwargs)
        return self.response


api_not_found = ApiNotFound.as_view()


# --- the schema ----------------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "The request does not match this schema; `fields` says where.",
    401: "Not logged in (log in with /api/auth/otp/request/ and /api/auth/otp/verify/).",
    403: "Logged in but not allowed, or the X-CSRFToken header is missing on an unsafe method.",
    404: "Nothing of that id on this site.",
    409: "The current state of the resource refuses this action.",
    415: "The body is not in the content type this operation takes.",
    422: "The request matches the schema, but a business rule refuses it; `fields` says where.",
    429: "Too many requests; wait for Retry-After seconds.",
    503: "A service this request needs is not available; try again after Retry-After seconds.",
}
_RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."},
}
_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": 'Always `Session realm="api"`: log in to get a session cookie.',
        }
    },
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error responses an operation declares beside the ones ``ApiSchema`` infers, e.g.
    ``@extend_schema(responses={200: OrderOutput, **errors(409, 422)})``."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in statuses
    }


class SessionScheme(OpenApiAuthenticationExtension):
    """The login session (core.api_auth.SessionAuthentication) in the schema."""

    target_class = "core.api_auth.SessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session cookie set by /api/auth/otp/verify/. POST, PUT, "
            "PATCH and DELETE with a session also send the csrftoken cookie's value in "
            "the X-CSRFToken header (else 403, code csrf_failed).",
        }


class ApiSchema(AutoSchema):
    """drf-spectacular's schema plus every error response an operation can give.

    Inferred: 400 and 415 where there is a request body; 401 where a login is required;
    403 and 415 where a login is required or a session may send an unsafe method (CSRF);
    404 where the path names a resource. Views add the rest (409, 422, 429, 503) with ``errors()``.
    """

    def _error_statuses(self) -> set[int]:
        statuses: set[int] = set()
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            statuses |= {400, 415}
        authenticators = self.view.get_authenticators()
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if authenticators and not public:
            statuses |= {401, 403}
        if authenticators and self.method in ("POST", "PUT", "PATCH", "DELETE"):
            # The CSRF check reads a form token from any body first: a body in a type the
            # API does not take is refused even where the operation takes none.
            statuses |= {403, 415}
        if "{" in self.path:
            statuses.add(404)
        return statuses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction != "request":
            return schema
        # DRF refuses "" and text of spaces only (it trims) unless allow_blank: say so.
        for name, field in serializer.fields.items():
            prop = schema.get("properties", {}).get(name)
            if (
                isinstance(field, serializers.CharField)
                and not field.allow_blank
                and isinstance(prop, dict)
                and prop.get("type") == "string"
                and "pattern" not in prop
            ):
                prop.setdefault("minLength", 1)
                prop["pattern"] = TEXT_PATTERN if isinstance(field, TextField) else r"\S"
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in errors(*self._error_statuses()).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    response, str(code), direction=direction
                )
        for code, headers in _HEADERS.items():
            if str(code) in responses:
                responses[str(code)].setdefault("headers", {}).update(headers)
        return dict(sorted(responses.items()))


# A text field that may not be blank needs one character its normalisation keeps (core.text
# drops direction marks, control characters and lone half-spaces): said in the schema, so that
# such a text is a 400 like a blank one.
_INVISIBLE = DROPPED + SPACES + LINE_BREAKS + SOFT_BREAKS + ZWNJ + "\u200d"
TEXT_PATTERN = "[^\\s" + "".join(f"\\u{ord(char):04x}" for char in sorted(set(_INVISIBLE))) + "]"


# --- fields ----------------------------------------------------------------------------------

_ANSWER_SCHEMA = {
    "anyOf": [{"type": "string", "maxLength": 200}, {"type": "number"}, {"type": "boolean"}],
    "nullable": True,
}


@extend_schema_field(
    {
        "type": "object",
        "maxProperties": 50,
        "additionalProperties": _ANSWER_SCHEMA,
        "description": "Answers by question code: text, a number, yes/no or null.",
    }
)
class AnswersField(serializers.DictField):
    """A flat map of question code → answer: text, a number, yes/no or nothing.

    Lists and objects are refused, and so is text too long or with a NUL character (which
    PostgreSQL cannot store): a value must be storable as it came, before a tariff looks at
    it. Codes that no question asks are ignored by the tariff, never stored.
    """

    default_error_messages = {
        "too_many": _("Too many answers."),
        "value": _("An answer is text (at most 200 characters), a number, yes/no or empty."),
    }

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        if len(data) > 50:
            self.fail("too_many")
        errors = {}
        for key, value in data.items():
            if isinstance(value, str):
                if len(value) > 200 or "\x00" in value:
                    errors[key] = [self.error_messages["value"]]
            elif value is not None and not isinstance(value, bool | int | float):
                errors[key] = [self.error_messages["value"]]
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def to_representation(self, value):
        return dict(value or {})


MOBILE_PATTERN = r"^(?:\+98|0098|98|0|\+۹۸|۰۰۹۸|۹۸|۰)?[9۹][0-9۰-۹]{9}$"
NATIONAL_CODE_PATTERN = r"^[0-9۰-۹]{10}$"
POSTAL_CODE_PATTERN = r"^[0-9۰-۹]{5}-?[0-9۰-۹]{5}$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": MOBILE_PATTERN,
        "maxLength": 14,
        "example": "09121234567",
        "description": "An Iranian mobile number; Persian digits and the +98, 0098, 98 or 0 "
        "prefixes are accepted (answers give it as 09xxxxxxxxx).",
    }
)
class MobileField(serializers.CharField):
    """A mobile number in any common spelling, validated and given as ``09xxxxxxxxx``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from core.validators import normalize_mobile

        value = super().to_internal_value(data)
        try:
            return normalize_mobile(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid_mobile") from error


class NationalCodeField(serializers.CharField):
    """Ten digits (Persian digits too); the check digit is a business rule (422)."""

    def __init__(self, **kwargs):
        from django.core.validators import RegexValidator

        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("allow_blank", True)
        kwargs["validators"] = [
            RegexValidator(
                NATIONAL_CODE_PATTERN, _("Enter a valid 10-digit national code."), code="format"
            )
        ]
        super().__init__(**kwargs)


class PostalCodeField(serializers.CharField):
    """Ten digits, with or without a dash after the fifth (Persian digits too)."""

    def __init__(self, **kwargs):
        from django.core.validators import RegexValidator

        kwargs.setdefault("max_length", 11)
        kwargs["validators"] = [
            RegexValidator(POSTAL_CODE_PATTERN, _("Enter the 10-digit postal code."), code="format")
        ]
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file sent as one part of a multipart/form-data body."""


class CoordinateField(serializers.Field):
    """A latitude or longitude in degrees: a JSON number (or numeric text) within range,
    kept to six decimal places (about 10 cm), as its database column holds it."""

    default_error_messages = {
        "invalid": _("Enter a number of degrees."),
        "range": _("Enter a value between %(low)s and %(high)s."),
    }

    def __init__(self, *, low: int, high: int, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        try:
            value = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        if self.low <= value <= self.high:
            # Only now: quantizing 1e308 to six places would overflow the decimal context.
            value = value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
        if not self.low <= value <= self.high:
            digits = to_persian_digits if (get_language() or "").startswith("fa") else str
            raise serializers.ValidationError(
                self.error_messages["range"] % {"low": digits(self.low), "high": digits(self.high)},
                code="range",
            )
        return value

    def to_representation(self, value):
        return float(value)


@extend_schema_field({"type": "number", "minimum": -90, "maximum": 90})
class LatitudeField(CoordinateField):
    def __init__(self, **kwargs):
        super().__init__(low=-90, high=90, **kwargs)


@extend_schema_field({"type": "number", "minimum": -180, "maximum": 180})
class LongitudeField(CoordinateField):
    def __init__(self, **kwargs):
        super().__init__(low=-180, high=180, **kwargs)


class TextField(serializers.CharField):
    """A name, place or address (or, with ``multiline=True``, free text), normalised by
    ``core.text.normalize_text`` before it is validated: length limits apply to the
    normalised text. JSON numbers stay numbers: the API takes no Persian decimal sign."""

    def __init__(self, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            # Refused, not dropped: a NUL is no one's typing (DRF's own check runs too late).
            raise serializers.ValidationError(
                ProhibitNullCharactersValidator.message, code=ProhibitNullCharactersValidator.code
            )
        value = normalize_text(super().to_internal_value(data), multiline=self.multiline)
        if not value and not self.allow_blank:
            self.fail("blank")
        return value

"""Accounts API: one view per use case.

Errors have the API's one shape (core/api.py): a field that does not match the schema gives
400; a refused code gives 422 ``{"detail": ..., "code": "missing|expired|wrong|locked|
inactive"}``; too many requests give 429 (code ``throttled``) with ``Retry-After``; while the
counters cannot be reached (Redis down), 503 (code ``unavailable``) with ``Retry-After``.
Messages are in the request's language (Persian by default).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.validators import RegexValidator
from django.middleware.csrf import get_token
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import AgencyMembership, User
from accounts.selectors import memberships_for
from accounts.utils import localized_number
from core.api import MobileField, error_body, errors
from core.http import client_ip


class MembershipOutputSerializer(serializers.Serializer):
    agency_id = serializers.IntegerField()
    agency_code = serializers.IntegerField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    role = serializers.ChoiceField(choices=AgencyMembership.Role.choices)


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mobile = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_code = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    email = serializers.CharField()
    identity_locked = serializers.BooleanField()
    insurer_role = serializers.ChoiceField(choices=User.InsurerRole.choices, allow_blank=True)
    memberships = serializers.SerializerMethodField()

    @extend_schema_field(MembershipOutputSerializer(many=True))
    def get_memberships(self, user) -> Any:
        return MembershipOutputSerializer(memberships_for(user=user), many=True).data


def _code_text() -> str:
    return _("Enter the %(length)s-digit code sent to you by SMS.") % {
        "length": localized_number(settings.OTP_LENGTH)
    }


_code_message = lazy(_code_text, str)


def _refusal(error: services.OtpError) -> Response:
    if isinstance(error, services.OtpUnavailable):
        return Response(
            error_body(error.messages[0], code="unavailable"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(error.retry_after)},
        )
    if isinstance(error, services.OtpThrottled):
        return Response(
            error_body(error.messages[0], code="throttled"),
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(error.retry_after)},
        )
    return Response(
        error_body(error.messages[0], code=error.code),
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )


class OtpRequestApi(APIView):
    """Send a one-time code by SMS to a mobile number (sign-up and login alike)."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OtpRequestInput"

        mobile = MobileField()

    @extend_schema(
        request=InputSerializer,
        responses={
            **errors(429),
            202: inline_serializer(
                "OtpRequestOutput",
                {
                    "detail": serializers.CharField(),
                    "expires_in": serializers.IntegerField(),
                    "resend_in": serializers.IntegerField(),
                },
            ),
            **errors(503),
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agency = getattr(request, "agency", None)
        try:
            services.otp_request(
                mobile=data.validated_data["mobile"],
                ip_address=client_ip(request),
                agency_id=agency.pk if agency is not None else None,
            )
        except services.OtpThrottled as error:
            return _refusal(error)
        return Response(
            {
                "detail": "sent",
                "expires_in": settings.OTP_TTL_SECONDS,
                "resend_in": settings.OTP_RESEND_INTERVAL_SECONDS,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class OtpVerifyApi(APIView):
    """Check a code and log in (creating the account on first use)."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OtpVerifyInput"

        mobile = MobileField()
        code = serializers.CharField(
            max_length=settings.OTP_LENGTH,
            validators=[
                RegexValidator(
                    rf"^[0-9۰-۹]{{{settings.OTP_LENGTH}}}$",
                    _code_message(),
                    code="invalid_code",
                )
            ],
        )

    @extend_schema(
        request=InputSerializer,
        description="Logs in: the answer sets the session cookie and the csrftoken cookie, "
        "whose value unsafe requests send back in the X-CSRFToken header.",
        responses={
            **errors(422, 429),
            200: inline_serializer(
                "OtpVerifyOutput",
                {"created": serializers.BooleanField(), "user": UserOutputSerializer()},
            ),
            **errors(503),
        },
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.otp_verify(
                mobile=data.validated_data["mobile"],
                code=data.validated_data["code"],
                ip_address=client_ip(request),
                signup_agency=getattr(request, "agency", None),
            )
        except services.OtpError as error:
            return _refusal(error)
        login(request, result.user, backend="accounts.backends.MobileBackend")
        get_token(request)  # the csrftoken cookie goes out with this answer
        return Response({"created": result.created, "user": UserOutputSerializer(result.user).data})


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """The logged-in person, with their agency memberships."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request):
        get_token(request)  # a client that lost its csrftoken cookie gets it again here
        return Response(UserOutputSerializer(request.user).data)

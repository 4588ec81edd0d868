"""Accounts API: one view per use case.

Errors: a bad field gives 400 ``{"<field>": ["message"]}``; a refused code gives 400
``{"detail": "message", "code": "invalid|missing|expired|wrong|locked|inactive"}``; too
many requests give 429 ``{"detail": ..., "code": "throttled"}`` with ``Retry-After``; while the
counters cannot be reached (Redis down), 503 ``{"detail": ..., "code": "unavailable"}`` with
``Retry-After``.
Messages are in the request's language (Persian by default).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.selectors import memberships_for
from core.http import client_ip
from core.validators import normalize_mobile


class MobileSerializerField(serializers.CharField):
    """A mobile number in any common spelling, validated to ``09xxxxxxxxx``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalize_mobile(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code="invalid_mobile") from error


class MembershipOutputSerializer(serializers.Serializer):
    agency_id = serializers.IntegerField()
    agency_code = serializers.IntegerField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    role = serializers.CharField()


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mobile = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_code = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    email = serializers.CharField()
    identity_locked = serializers.BooleanField()
    insurer_role = serializers.CharField()
    memberships = serializers.SerializerMethodField()

    @extend_schema_field(MembershipOutputSerializer(many=True))
    def get_memberships(self, user) -> Any:
        return MembershipOutputSerializer(memberships_for(user=user), many=True).data


UNAVAILABLE_RESPONSE = OpenApiResponse(
    inline_serializer(
        "ServiceUnavailable",
        {"detail": serializers.CharField(), "code": serializers.CharField()},
    ),
    description=(
        'Codes cannot be counted right now (code "unavailable", with Retry-After): '
        "nothing was sent or checked; try again in a moment."
    ),
)


def _refusal(error: services.OtpError) -> Response:
    if isinstance(error, services.OtpUnavailable):
        return Response(
            {"detail": error.messages[0], "code": "unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(error.retry_after)},
        )
    if isinstance(error, services.OtpThrottled):
        return Response(
            {"detail": error.messages[0], "code": "throttled"},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(error.retry_after)},
        )
    return Response(
        {"detail": error.messages[0], "code": error.code}, status=status.HTTP_400_BAD_REQUEST
    )


class OtpRequestApi(APIView):
    """Send a one-time code by SMS to a mobile number (sign-up and login alike)."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OtpRequestInput"

        mobile = MobileSerializerField()

    @extend_schema(
        request=InputSerializer,
        responses={
            202: inline_serializer(
                "OtpRequestOutput",
                {
                    "detail": serializers.CharField(),
                    "expires_in": serializers.IntegerField(),
                    "resend_in": serializers.IntegerField(),
                },
            ),
            503: UNAVAILABLE_RESPONSE,
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

        mobile = MobileSerializerField()
        code = serializers.CharField(max_length=10)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer(
                "OtpVerifyOutput",
                {"created": serializers.BooleanField(), "user": UserOutputSerializer()},
            ),
            503: UNAVAILABLE_RESPONSE,
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
        return Response(UserOutputSerializer(request.user).data)

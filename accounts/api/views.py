"""Accounts API: one view per use case."""

from __future__ import annotations

from django.contrib.auth import login, logout
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.utils import client_ip


class OtpRequestApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OtpRequestInput"

        mobile = serializers.CharField(max_length=20)

    @extend_schema(request=InputSerializer, responses={202: None})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.otp_request(
                mobile=data.validated_data["mobile"],
                ip_address=client_ip(request),
                agency_id=getattr(getattr(request, "agency", None), "pk", None),
            )
        except services.OtpThrottled as error:
            return Response(
                {"detail": error.messages[0], "code": "throttled"},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(error.retry_after)},
            )
        return Response({"detail": "sent"}, status=status.HTTP_202_ACCEPTED)


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mobile = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_code = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    identity_locked = serializers.BooleanField()


class OtpVerifyApi(APIView):
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "OtpVerifyInput"

        mobile = serializers.CharField(max_length=20)
        code = serializers.CharField(max_length=10)

    @extend_schema(request=InputSerializer, responses={200: UserOutputSerializer})
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
        except services.OtpThrottled as error:
            return Response(
                {"detail": error.messages[0], "code": "throttled"},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        except services.OtpError as error:
            return Response(
                {"detail": error.messages[0], "code": error.code}, status=status.HTTP_400_BAD_REQUEST
            )
        login(request, result.user, backend="accounts.backends.MobileBackend")
        return Response(UserOutputSerializer(result.user).data)


class LogoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)

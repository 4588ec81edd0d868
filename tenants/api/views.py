"""Agency provisioning API for insurer operators (S-1.4)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.api import LatitudeField, LongitudeField, MobileField, TextField, errors
from tenants import services
from tenants.hosts import agency_site_url
from tenants.models import Agency


class IsInsurerOperator(BasePermission):
    """Insurer operators and administrators."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user.is_authenticated
            and (
                user.is_superuser
                or user.insurer_role in (User.InsurerRole.OPERATOR, User.InsurerRole.ADMIN)
            )
        )


class AgencyCreateApi(APIView):
    permission_classes = [IsInsurerOperator]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AgencyCreateInput"

        code = serializers.IntegerField(min_value=1, max_value=9_999_999)
        name = TextField(max_length=200)
        kind = serializers.ChoiceField(choices=Agency.Kind.choices)
        latitude = LatitudeField()
        longitude = LongitudeField()
        owner_mobile = MobileField()
        licence_number = serializers.CharField(
            max_length=50, allow_blank=True, required=False, default=""
        )
        address = TextField(max_length=500, allow_blank=True, required=False, default="")
        city = TextField(max_length=100, allow_blank=True, required=False, default="")
        province = TextField(max_length=100, allow_blank=True, required=False, default="")
        phone = serializers.CharField(max_length=30, allow_blank=True, required=False, default="")
        can_issue = serializers.BooleanField(required=False, default=False)
        accepts_referrals = serializers.BooleanField(required=False, default=True)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AgencyCreateOutput"

        id = serializers.IntegerField()
        code = serializers.IntegerField()
        name = serializers.CharField()
        kind = serializers.ChoiceField(choices=Agency.Kind.choices)
        status = serializers.ChoiceField(choices=Agency.Status.choices)
        schema_name = serializers.CharField()
        site_url = serializers.SerializerMethodField()

        def get_site_url(self, agency) -> str:
            return agency_site_url(agency)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, **errors(409, 422)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agency = services.agency_create(actor=request.user, **data.validated_data)
        return Response(self.OutputSerializer(agency).data, status=status.HTTP_201_CREATED)

"""The applicant's API (decision 017): start an application, read and correct one's own,
upload the licence photo (multipart, the one upload) and submit it. Main site only: on an
agency's site every operation answers 404. Another account's application is a 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    LatitudeField,
    LongitudeField,
    NationalCodeField,
    TextField,
    UploadField,
    errors,
)
from core.http import client_ip
from onboarding import services
from onboarding.models import AgencyApplication
from onboarding.selectors import application_of_applicant, applications_of_applicant
from tenants.models import Agency


class ApplicationOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "AgencyApplication"

    id = serializers.UUIDField(source="public_id")
    state = serializers.ChoiceField(choices=AgencyApplication.State.choices)
    note = serializers.CharField(help_text="The operator's correction note or rejection reason.")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_code = serializers.CharField()
    mobile = serializers.CharField()
    agency_name = serializers.CharField()
    province = serializers.CharField()
    city = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    terms_version = serializers.CharField()
    terms_accepted_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Agency.Kind.choices, allow_blank=True)
    line_codes = serializers.ListField(child=serializers.CharField())
    licence_number = serializers.CharField()
    licence_uploaded = serializers.SerializerMethodField()
    missing = serializers.ListField(
        source="stage_two_missing",
        child=serializers.ChoiceField(
            choices=["kind", "line_codes", "licence_number", "licence_file"]
        ),
        help_text="What stage 2 still lacks before the application can be submitted.",
    )
    agency_code = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def get_licence_uploaded(self, application: AgencyApplication) -> bool:
        return bool(application.licence_file)

    def get_agency_code(self, application: AgencyApplication) -> int | None:
        return application.agency.code if application.agency_id and application.agency else None


class _ApplicationApi(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(request, "agency", None) is not None:
            raise Http404  # sign-up is the insurer's, on the main site only

    def application(self, request, application_id) -> AgencyApplication:
        application = application_of_applicant(public_id=application_id, applicant=request.user)
        if application is None:
            raise Http404
        return application

    def answer(self, application: AgencyApplication, code: int = status.HTTP_200_OK) -> Response:
        fresh = AgencyApplication.objects.select_related("agency").get(pk=application.pk)
        return Response(ApplicationOutputSerializer(fresh).data, status=code)


class ApplicationListCreateApi(_ApplicationApi):
    """My agency applications; POST starts one (stage 1: the form and the terms)."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AgencyApplicationCreateInput"

        first_name = TextField(max_length=100)
        last_name = TextField(max_length=100)
        national_code = NationalCodeField(allow_blank=False)
        agency_name = TextField(max_length=200, allow_blank=True, required=False, default="")
        province = TextField(max_length=100)
        city = TextField(max_length=100)
        address = TextField(max_length=500)
        latitude = LatitudeField()
        longitude = LongitudeField()
        accept_terms = serializers.BooleanField(
            help_text="The applicant has read and accepts the terms (/agency-signup/terms/)."
        )

    @extend_schema(responses={200: ApplicationOutputSerializer(many=True), **errors(404)})
    def get(self, request):
        applications = applications_of_applicant(applicant=request.user).select_related("agency")
        return Response(ApplicationOutputSerializer(applications[:50], many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: ApplicationOutputSerializer, **errors(404, 409, 422)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_create(
            applicant=request.user, ip_address=client_ip(request), **data.validated_data
        )
        return self.answer(application, status.HTTP_201_CREATED)


class ApplicationDetailApi(_ApplicationApi):
    """One of my applications; PATCH corrects it (a draft or one sent back for correction)."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AgencyApplicationUpdateInput"

        first_name = TextField(max_length=100, required=False)
        last_name = TextField(max_length=100, required=False)
        national_code = NationalCodeField(allow_blank=False, required=False)
        agency_name = TextField(max_length=200, allow_blank=True, required=False)
        province = TextField(max_length=100, required=False)
        city = TextField(max_length=100, required=False)
        address = TextField(max_length=500, required=False)
        latitude = LatitudeField(required=False)
        longitude = LongitudeField(required=False)
        kind = serializers.ChoiceField(choices=Agency.Kind.choices, required=False)
        line_codes = serializers.ListField(
            child=serializers.SlugField(max_length=40),
            max_length=50,
            required=False,
            help_text="Codes of the lines wanted (GET /api/lines/).",
        )
        licence_number = serializers.CharField(
            max_length=30, required=False, help_text="As printed on the licence."
        )

    @extend_schema(responses={200: ApplicationOutputSerializer})
    def get(self, request, application_id):
        return self.answer(self.application(request, application_id))

    @extend_schema(
        request=InputSerializer, responses={200: ApplicationOutputSerializer, **errors(409, 422)}
    )
    def patch(self, request, application_id):
        application = self.application(request, application_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data:
            services.application_update(
                application=application, actor=request.user, **data.validated_data
            )
        return self.answer(application)


class ApplicationLicenceApi(_ApplicationApi):
    """Upload the photo of the licence (multipart; JPG, PNG or PDF, at most 5 MB)."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AgencyApplicationLicenceInput"

        file = UploadField(allow_empty_file=True, help_text="JPG, PNG or PDF, at most 5 MB.")

    @extend_schema(
        request=InputSerializer, responses={200: ApplicationOutputSerializer, **errors(409, 422)}
    )
    def post(self, request, application_id):
        application = self.application(request, application_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.application_licence_upload(
                application=application, actor=request.user, uploaded=data.validated_data["file"]
            )
        except services.ApplicationStateError:
            raise
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from error
        return self.answer(application)


class ApplicationSubmitApi(_ApplicationApi):
    """Send the application for review (or again, after a correction)."""

    @extend_schema(request=None, responses={200: ApplicationOutputSerializer, **errors(409, 422)})
    def post(self, request, application_id):
        application = self.application(request, application_id)
        services.application_submit(application=application, actor=request.user)
        return self.answer(application)

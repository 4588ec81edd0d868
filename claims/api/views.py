"""The customer's claims API (decision 017): file a claim on a policy of this site, list and
read one's own claims, upload a document. Another customer's claim or policy is a 404, a rule
that refuses is a 422, a claim or policy whose state refuses is a 409."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim
from claims.selectors import claim_of_customer, claimable_policy, claims_of_customer
from claims.services import checklist_for, claim_document_add, claim_file, documents_missing
from core.api import TextField, UploadField, errors
from core.http import client_ip

LIST_SIZE = 200


class ClaimDocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]


class ClaimEventSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Claim.State.choices)
    event = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()


class ClaimSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    number = serializers.CharField()
    policy_number = serializers.CharField(source="policy.number")
    line = serializers.CharField(source="line.code")
    state = serializers.ChoiceField(choices=Claim.State.choices)
    occurred_at = serializers.DateTimeField()
    filed_at = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=0, allow_null=True)


class ClaimOutputSerializer(ClaimSummarySerializer):
    province = serializers.CharField()
    city = serializers.CharField()
    place = serializers.CharField()
    description = serializers.CharField()
    rejection_reason = serializers.CharField()
    missing_note = serializers.CharField()
    documents = ClaimDocumentSerializer(many=True)
    checklist = ChecklistItemSerializer(many=True)
    missing_documents = serializers.ListField(child=serializers.CharField())
    timeline = ClaimEventSerializer(many=True)


def _output(claim: Claim) -> dict:
    claim = Claim.objects.select_related("line", "policy").get(pk=claim.pk)
    claim.checklist = checklist_for(line_code=claim.line.code)  # type: ignore[attr-defined]
    claim.missing_documents = [  # type: ignore[attr-defined]
        item.code for item in documents_missing(claim=claim)
    ]
    claim.timeline = list(claim.events.order_by("at", "id"))  # type: ignore[attr-defined]
    return ClaimOutputSerializer(claim).data


class _ClaimApi(APIView):
    def claim(self, request, claim_id) -> Claim:
        claim = claim_of_customer(customer=request.user, agency=request.agency, public_id=claim_id)
        if claim is None:
            raise Http404
        return claim


class ClaimListCreateApi(_ClaimApi):
    """My claims on this site (newest first); POST files a claim on one of my policies."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ClaimCreateInput"

        policy_number = serializers.CharField(max_length=30)
        occurred_at = serializers.DateTimeField(help_text="When the event happened.")
        province = TextField(max_length=100)
        city = TextField(max_length=100)
        place = TextField(max_length=300)
        description = TextField(max_length=2000, multiline=True)

    @extend_schema(responses=ClaimSummarySerializer(many=True))
    def get(self, request):
        claims = claims_of_customer(customer=request.user, agency=request.agency)[:LIST_SIZE]
        return Response(ClaimSummarySerializer(claims, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: ClaimOutputSerializer, **errors(404, 409, 422)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        policy = claimable_policy(
            customer=request.user, agency=request.agency, number=values["policy_number"]
        )
        if policy is None:
            raise Http404
        claim = claim_file(
            policy=policy,
            customer=request.user,
            occurred_at=values["occurred_at"],
            province=values["province"],
            city=values["city"],
            place=values["place"],
            description=values["description"],
            ip_address=client_ip(request),
        )
        return Response(_output(claim), status=status.HTTP_201_CREATED)


class ClaimDetailApi(_ClaimApi):
    @extend_schema(responses=ClaimOutputSerializer)
    def get(self, request, filed_claim_id):
        return Response(_output(self.claim(request, filed_claim_id)))


class ClaimDocumentApi(_ClaimApi):
    parser_classes = [MultiPartParser]  # an upload: multipart, nothing else

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ClaimDocumentInput"

        kind = serializers.SlugField(max_length=40, help_text="A document of the checklist.")
        file = UploadField(allow_empty_file=True, help_text="JPG, PNG or PDF, at most 5 MB.")

    @extend_schema(
        request=InputSerializer, responses={201: ClaimOutputSerializer, **errors(409, 422)}
    )
    def post(self, request, filed_claim_id):
        claim = self.claim(request, filed_claim_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            claim_document_add(
                claim=claim,
                actor=request.user,
                kind=data.validated_data["kind"],
                uploaded=data.validated_data["file"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") or type(error) is not ValidationError:
                raise
            raise ValidationError({"file": error.messages}) from error
        return Response(_output(claim), status=status.HTTP_201_CREATED)

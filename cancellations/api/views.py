"""The cancellations API (decision 017): the customer's refund quote, requests, one request
and withdrawing it on this site; the insurer's decision. Another customer's request or policy
is a 404; a rule's refusal a 422; the state of what it names (cancelled, ended, a request
already waiting, decided already) a 409."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cancellations.models import CancellationRequest
from cancellations.selectors import (
    cancellation_queue,
    customer_cancellation_get,
    customer_cancellations,
    customer_policy_get,
)
from cancellations.services import (
    DECIDE_ROLES,
    cancellation_approve,
    cancellation_quote,
    cancellation_reject,
    cancellation_request,
    cancellation_withdraw,
)
from core.api import TextField, errors


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=0)


class RequestInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CancellationRequestInput"

    policy_number = serializers.CharField(max_length=30)
    last_day = serializers.DateField(help_text="The last day of cover (ISO 8601).")
    reason = serializers.ChoiceField(choices=CancellationRequest.Reason.choices)
    note = TextField(max_length=500, allow_blank=True, required=False, default="")


class QuoteInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CancellationQuoteInput"

    policy_number = serializers.CharField(max_length=30)
    last_day = serializers.DateField(help_text="The last day of cover (ISO 8601).")


class QuoteOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CancellationQuote"

    last_day = serializers.DateField()
    premium = _money()
    term_days = serializers.IntegerField()
    days_used = serializers.IntegerField()
    kept_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    kept = _money()
    refund = _money()


class CancellationOutputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Cancellation"

    id = serializers.UUIDField(source="public_id")
    policy_number = serializers.CharField(source="policy.number")
    state = serializers.ChoiceField(choices=CancellationRequest.State.choices)
    last_day = serializers.DateField()
    reason = serializers.ChoiceField(choices=CancellationRequest.Reason.choices)
    note = serializers.CharField()
    premium = _money()
    term_days = serializers.IntegerField()
    days_used = serializers.IntegerField()
    kept_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    kept = _money()
    refund = _money()
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


def _policy(request, number: str):
    policy = customer_policy_get(customer=request.user, agency=request.agency, number=number)
    if policy is None:
        raise Http404
    return policy


class CancellationQuoteApi(APIView):
    """What cancelling one of my policies on a day would refund (nothing is written)."""

    @extend_schema(
        request=QuoteInputSerializer,
        responses={200: QuoteOutputSerializer, **errors(404, 409, 422)},
    )
    def post(self, request):
        data = QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = _policy(request, data.validated_data["policy_number"])
        quote = cancellation_quote(
            policy=policy, customer=request.user, last_day=data.validated_data["last_day"]
        )
        return Response(QuoteOutputSerializer(quote).data)


class CancellationListCreateApi(APIView):
    """My cancellation requests on this site (paginated); POST asks for one."""

    @extend_schema(responses=CancellationOutputSerializer(many=True))
    def get(self, request):
        """The latest 200, newest first (as the other lists of the customer's own rows)."""
        rows = customer_cancellations(customer=request.user, agency=request.agency)[:200]
        return Response(CancellationOutputSerializer(rows, many=True).data)

    @extend_schema(
        request=RequestInputSerializer,
        responses={201: CancellationOutputSerializer, **errors(404, 409, 422)},
    )
    def post(self, request):
        data = RequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        policy = _policy(request, values["policy_number"])
        created = cancellation_request(
            policy=policy,
            customer=request.user,
            last_day=values["last_day"],
            reason=values["reason"],
            note=values.get("note", ""),
        )
        return Response(CancellationOutputSerializer(created).data, status=status.HTTP_201_CREATED)


class _OwnApi(APIView):
    def found(self, request, cancellation_id) -> CancellationRequest:
        item = customer_cancellation_get(
            customer=request.user, agency=request.agency, public_id=cancellation_id
        )
        if item is None:
            raise Http404
        return item


class CancellationDetailApi(_OwnApi):
    @extend_schema(responses={200: CancellationOutputSerializer, **errors(404)})
    def get(self, request, cancellation_id):
        return Response(CancellationOutputSerializer(self.found(request, cancellation_id)).data)


class CancellationWithdrawApi(_OwnApi):
    @extend_schema(request=None, responses={200: CancellationOutputSerializer, **errors(404, 409)})
    def post(self, request, cancellation_id):
        item = self.found(request, cancellation_id)
        cancellation_withdraw(request=item, customer=request.user)
        item.refresh_from_db()
        return Response(CancellationOutputSerializer(item).data)


class DecisionInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "CancellationDecisionInput"

    approve = serializers.BooleanField()
    note = TextField(max_length=500, allow_blank=True, required=False, default="")


class CancellationDecideApi(APIView):
    """An operator approves (the policy ends, the refund is due) or rejects with a note.
    The request is named by its number in the insurer's queue."""

    @extend_schema(
        request=DecisionInputSerializer,
        responses={200: CancellationOutputSerializer, **errors(404, 409, 422)},
    )
    def post(self, request, queue_id: int):
        if not request.user.has_insurer_role(*DECIDE_ROLES):
            raise Http404  # as the ops pages: no trace of the queue for anyone else
        item = cancellation_queue().filter(pk=queue_id).first()
        if item is None:
            raise Http404
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["approve"]:
            cancellation_approve(request=item, actor=request.user)
        else:
            cancellation_reject(request=item, actor=request.user, note=data.validated_data["note"])
        item.refresh_from_db()
        return Response(CancellationOutputSerializer(item).data)

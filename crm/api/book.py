"""The agency's book (S-6.2) through the API, read-only: its policies sold here and those
held with other insurers, filtered by origin, state, expiry and customer."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import errors
from crm.api.base import MAX_ID, AgencyMemberApi, PageQuery, id_parameter, page_of
from crm.api.serializers import BookPolicyDetailSerializer, BookPolicySerializer
from crm.models import BookPolicy
from crm.selectors.book import book_list, book_policy_get
from crm.selectors.names import line_names, user_names


class BookQuery(PageQuery):
    origin = serializers.ChoiceField(choices=BookPolicy.Origin.choices, required=False)
    state = serializers.ChoiceField(choices=BookPolicy.State.choices, required=False)
    expires_from = serializers.DateField(required=False, help_text="Expiring on or after.")
    expires_to = serializers.DateField(required=False, help_text="Expiring on or before.")
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    line = serializers.SlugField(max_length=40, required=False, help_text="A line's code.")
    insurer = serializers.SlugField(
        max_length=40, required=False, help_text="Another insurer's code (the quote form's list)."
    )
    q = serializers.CharField(
        max_length=100,
        allow_blank=True,
        required=False,
        default="",
        help_text="A policy number, or words of the customer's name, national code or mobile.",
    )


def _names(rows: list[BookPolicy]) -> dict:
    return {"line_names": line_names(policy.line_code for policy in rows)}


class BookListApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_book_list",
        parameters=[BookQuery],
        responses={200: page_of(BookPolicySerializer, "CrmBookPage"), **errors(400)},
    )
    def get(self, request):
        """The agency's book, soonest expiry first (what to chase)."""
        query = BookQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        policies = book_list(
            origin=filters.get("origin", ""),
            state=filters.get("state", ""),
            line_code=filters.get("line", ""),
            insurer_code=filters.get("insurer", ""),
            expires_from=filters.get("expires_from"),
            expires_to=filters.get("expires_to"),
            query=filters["q"],
        )
        if filters.get("customer"):
            policies = policies.filter(customer_id=filters["customer"])
        return self.paginate(policies, BookPolicySerializer, context_for=_names)


class BookPolicyApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_book_retrieve",
        parameters=[id_parameter("book_policy_id", "The policy's id in the book.")],
        responses={200: BookPolicyDetailSerializer},
    )
    def get(self, request, book_policy_id: int):
        """One policy of the book with its delivery details and free fields."""
        policy = book_policy_get(policy_id=book_policy_id)
        if policy is None:
            raise Http404
        context = {**_names([policy]), "user_names": user_names([policy.sold_by_user_id])}
        return Response(BookPolicyDetailSerializer(policy, context=context).data)

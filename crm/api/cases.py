"""Cases and their activities (S-6.6) through the API, read-only: owners and managers see
every case of the agency, staff the ones assigned to them."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import errors
from crm.api.base import MAX_ID, AgencyMemberApi, PageQuery, id_parameter, page_of
from crm.api.serializers import CaseDetailSerializer, CaseSerializer
from crm.models import Case
from crm.selectors.cases import CaseFilter, case_activities, case_get, case_list
from crm.selectors.names import user_names


class CaseQuery(PageQuery):
    state = serializers.ChoiceField(
        choices=Case.State.choices,
        required=False,
        help_text="open: open or in progress (as on the panel's list).",
    )
    kind = serializers.ChoiceField(choices=Case.Kind.choices, required=False)
    customer = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    assignee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The assignee's account id."
    )


def _names(rows: list[Case]) -> dict:
    return {"user_names": user_names(case.assignee_user_id for case in rows)}


class CaseListApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_cases_list",
        parameters=[CaseQuery],
        responses={200: page_of(CaseSerializer, "CrmCasePage"), **errors(400)},
    )
    def get(self, request):
        """The agency's cases, newest first (staff: those assigned to them or holding an
        activity assigned to them)."""
        query = CaseQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        cases = case_list(
            membership=self.membership,
            filters=CaseFilter(
                state=filters.get("state", ""),
                kind=filters.get("kind", ""),
                customer_id=filters.get("customer"),
                assignee_user_id=filters.get("assignee"),
            ),
        )
        return self.paginate(cases, CaseSerializer, context_for=_names)


class CaseDetailApi(AgencyMemberApi):
    @extend_schema(
        operation_id="crm_cases_retrieve",
        parameters=[id_parameter("case_id", "The case's id.")],
        responses={200: CaseDetailSerializer},
    )
    def get(self, request, case_id: int):
        """A case with its activities (open ones first, in due order)."""
        case = case_get(membership=self.membership, case_id=case_id)
        if case is None:
            raise Http404
        activities = case_activities(case=case)
        people = [case.assignee_user_id, *(activity.assignee_user_id for activity in activities)]
        context = {"user_names": user_names(people), "activities": activities}
        return Response(CaseDetailSerializer(case, context=context).data)

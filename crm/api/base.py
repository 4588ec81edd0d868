"""The edge of every CRM API view: the logged-in member's agency (never the URL or the host),
its schema for the length of the request, and the suspension rule (decision 015), as
``tenants.panel.base.panel_view`` does for the panel's pages."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.views import APIView

from accounts.models import AgencyMembership
from accounts.selectors import membership_get, memberships_for
from tenants.models import Agency
from tenants.panel.base import SESSION_AGENCY
from tenants.services import AgencyNotActive, agency_inactive_message

# Ids are PostgreSQL bigints: a larger number in a path names nothing (404, not a 500).
MAX_ID = 2**63 - 1


def membership_current(request: Any) -> AgencyMembership | None:
    """The member's current agency, as the panel chooses it: the one picked with the switch
    view if the person still belongs to it, else their first (an active one first)."""
    agency_id = request.session.get(SESSION_AGENCY) if hasattr(request, "session") else None
    if agency_id:
        membership = membership_get(user=request.user, agency_id=agency_id)
        if membership is not None:
            return membership
    return (
        memberships_for(user=request.user)
        .annotate(
            inactive=Case(
                When(agency__status=Agency.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("inactive", "agency__code")
        .first()
    )


class CrmPagination(LimitOffsetPagination):
    """Decision 017's pages: ``limit``/``offset``, answered with ``count``, ``next``,
    ``previous`` and ``results``; both bounded so that no number reaches SQL unchecked."""

    default_limit = 50
    max_limit = 200
    max_offset = 1_000_000

    def get_offset(self, request):
        return min(super().get_offset(request), self.max_offset)


class PageQuery(serializers.Serializer):
    """``limit`` and ``offset`` of a list, bounded in the schema (a value outside is a 400)."""

    limit = serializers.IntegerField(
        min_value=1,
        max_value=CrmPagination.max_limit,
        required=False,
        help_text="How many rows (50 when not given).",
    )
    offset = serializers.IntegerField(
        min_value=0,
        max_value=CrmPagination.max_offset,
        required=False,
        help_text="How many rows to skip.",
    )


def page_of(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of one page of ``item``s (``count``, ``next``, ``previous``, ``results``)."""

    class Meta:
        ref_name = name

    return type(
        name,
        (serializers.Serializer,),
        {
            "Meta": Meta,
            "count": serializers.IntegerField(help_text="Rows in all pages."),
            "next": serializers.CharField(allow_null=True, help_text="The next page's URL."),
            "previous": serializers.CharField(
                allow_null=True, help_text="The previous page's URL."
            ),
            "results": item(many=True),
        },
    )


def id_parameter(name: str, description: str) -> OpenApiParameter:
    """A path id, with the first row's id as its example (the schemathesis run starts there)."""
    return OpenApiParameter(
        name,
        OpenApiTypes.INT64,
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample("first", value=1)],
    )


class AgencyMemberApi(APIView):
    """A view of the CRM for members of an agency (any role).

    ``self.membership`` and ``self.agency`` are set and the connection is in the agency's
    schema until the answer is made. No agency: 403 (404 on a path that names an object,
    as for any id of another agency). A suspended or pending agency: 403 with the Persian
    reason (code ``agency_inactive``), also when a service finds it stopped mid-request.
    """

    membership: AgencyMembership
    agency: Agency

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        membership = membership_current(request)
        if membership is None:
            if kwargs:
                raise exceptions.NotFound()
            raise exceptions.PermissionDenied(
                _("Only members of an agency can use this."), code="not_an_agency_member"
            )
        if any(isinstance(value, int) and value > MAX_ID for value in kwargs.values()):
            raise exceptions.NotFound()
        agency = membership.agency
        if agency.status != Agency.Status.ACTIVE:
            raise exceptions.PermissionDenied(
                agency_inactive_message(agency.status), code="agency_inactive"
            )
        self.membership = membership
        self.agency = agency
        connection.set_tenant(agency)  # type: ignore[attr-defined]

    def handle_exception(self, exc):
        if isinstance(exc, AgencyNotActive):
            # Suspended while the request was under way: the service refused and rolled back.
            exc = exceptions.PermissionDenied(exc.message, code="agency_inactive")
        return super().handle_exception(exc)

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            connection.set_schema_to_public()  # type: ignore[attr-defined]

    def paginate(self, queryset, serializer_class, *, context_for=None):
        """One page of ``queryset`` in the shape of decision 017; ``context_for(rows)`` gives
        the serializer what the page's rows need (names read once for the whole page)."""
        paginator = CrmPagination()
        page: list[Any] = paginator.paginate_queryset(queryset, self.request, view=self) or []
        context = context_for(page) if context_for else {}
        data = serializer_class(page, many=True, context=context).data
        return paginator.get_paginated_response(data)

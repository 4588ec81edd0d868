"""/api/advice/: the customer's advice requests (their own, any host) and the requests
offered to the logged-in member's current agency (as the CRM's API chooses it)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from advice import selectors, services
from advice.api.serializers import (
    MAX_ID,
    AcceptSerializer,
    AnswerInputSerializer,
    OfferedDetailSerializer,
    OfferedSerializer,
    RatingSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestSerializer,
)
from core.api import errors
from crm.api.base import AgencyMemberApi, CrmPagination, PageQuery, id_parameter, page_of
from policies.models import Line

REQUEST_ID = id_parameter("advice_request_id", "The advice request's id.")


def _page(view, queryset, serializer_class):
    paginator = CrmPagination()
    rows: list = paginator.paginate_queryset(queryset, view.request, view=view) or []
    return paginator.get_paginated_response(serializer_class(rows, many=True).data)


class _CustomerApi(APIView):
    def owned(self, request, advice_request_id: int):
        if advice_request_id > MAX_ID:
            raise Http404
        found = selectors.customer_request_get(customer=request.user, request_id=advice_request_id)
        if found is None:
            raise Http404
        return found

    def detail(self, request, advice_request_id: int, code: int = status.HTTP_200_OK) -> Response:
        found = self.owned(request, advice_request_id)
        found.answer_count = 0  # type: ignore[attr-defined]  # the detail lists them
        context = {"answers": selectors.request_answers(request=found)}
        return Response(RequestDetailSerializer(found, context=context).data, status=code)


class RequestListCreateApi(_CustomerApi):
    @extend_schema(
        operation_id="advice_requests_list",
        parameters=[PageQuery],
        responses={200: page_of(RequestSerializer, "AdviceRequestPage"), **errors(400)},
    )
    def get(self, request):
        """My advice requests, newest first."""
        query = PageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return _page(self, selectors.customer_requests(customer=request.user), RequestSerializer)

    @extend_schema(
        operation_id="advice_requests_create",
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer, **errors(409, 422)},
    )
    def post(self, request):
        """Post a request on a line; it is offered to the nearest agencies that sell it."""
        data = RequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        line = Line.objects.filter(code=values.pop("line")).first()
        created = services.advice_request_create(
            customer=request.user, line_id=line.pk if line else 0, **values
        )
        return self.detail(request, created.pk, status.HTTP_201_CREATED)


class RequestDetailApi(_CustomerApi):
    @extend_schema(
        operation_id="advice_requests_retrieve",
        parameters=[REQUEST_ID],
        responses={200: RequestDetailSerializer},
    )
    def get(self, request, advice_request_id: int):
        """A request with its answers (agencies numbered; the chosen one's contacts)."""
        return self.detail(request, advice_request_id)


class RequestAcceptApi(_CustomerApi):
    @extend_schema(
        operation_id="advice_requests_accept",
        parameters=[REQUEST_ID],
        request=AcceptSerializer,
        responses={200: RequestDetailSerializer, **errors(409, 422)},
    )
    def post(self, request, advice_request_id: int):
        """Choose an answer: the agency's contacts are shown, and yours to the agency."""
        self.owned(request, advice_request_id)
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.advice_accept(
            request_id=advice_request_id,
            customer=request.user,
            answer_number=data.validated_data["answer"],
            actor=request.user,
        )
        return self.detail(request, advice_request_id)


class RequestCancelApi(_CustomerApi):
    @extend_schema(
        operation_id="advice_requests_cancel",
        parameters=[REQUEST_ID],
        request=None,
        responses={200: RequestDetailSerializer, **errors(409)},
    )
    def post(self, request, advice_request_id: int):
        """Cancel an open request, or end the work with the chosen agency."""
        self.owned(request, advice_request_id)
        services.advice_cancel(
            request_id=advice_request_id, customer=request.user, actor=request.user
        )
        return self.detail(request, advice_request_id)


class RequestRatingApi(_CustomerApi):
    @extend_schema(
        operation_id="advice_requests_rate",
        parameters=[REQUEST_ID],
        request=RatingSerializer,
        responses={201: RatingSerializer, **errors(409, 422)},
    )
    def post(self, request, advice_request_id: int):
        """Rate the chosen agency, once."""
        self.owned(request, advice_request_id)
        data = RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.advice_rate(
            request_id=advice_request_id,
            customer=request.user,
            actor=request.user,
            **data.validated_data,
        )
        return Response(
            {"score": rating.score, "comment": rating.comment}, status=status.HTTP_201_CREATED
        )


def _chosen(offer, agency) -> None:
    chosen = offer.request.accepted_answer
    offer.chosen = chosen is not None and chosen.agency_id == agency.pk


class OfferedListApi(AgencyMemberApi):
    @extend_schema(
        operation_id="advice_offered_list",
        parameters=[PageQuery],
        responses={200: page_of(OfferedSerializer, "AdviceOfferedPage"), **errors(400)},
    )
    def get(self, request):
        """Requests offered to the agency, newest first, without the customers' identity."""
        query = PageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = CrmPagination()
        rows = (
            paginator.paginate_queryset(
                selectors.agency_offered(agency=self.agency), request, view=self
            )
            or []
        )
        for offer in rows:
            _chosen(offer, self.agency)
        return paginator.get_paginated_response(OfferedSerializer(rows, many=True).data)


class _OfferedApi(AgencyMemberApi):
    def offered(self, advice_request_id: int) -> Response:
        offer = selectors.agency_offer_get(agency=self.agency, request_id=advice_request_id)
        if offer is None:
            raise Http404
        answer = selectors.agency_answer_get(agency=self.agency, request_id=advice_request_id)
        offer.answered = answer is not None  # type: ignore[attr-defined]
        _chosen(offer, self.agency)
        return Response(OfferedDetailSerializer(offer, context={"answer": answer}).data)


class OfferedDetailApi(_OfferedApi):
    @extend_schema(
        operation_id="advice_offered_retrieve",
        parameters=[REQUEST_ID],
        responses={200: OfferedDetailSerializer},
    )
    def get(self, request, advice_request_id: int):
        """A request offered to the agency; the customer's name and mobile once chosen."""
        return self.offered(advice_request_id)


class OfferedAnswerApi(_OfferedApi):
    @extend_schema(
        operation_id="advice_offered_answer",
        parameters=[REQUEST_ID],
        request=AnswerInputSerializer,
        responses={200: OfferedDetailSerializer, **errors(409, 422)},
    )
    def post(self, request, advice_request_id: int):
        """The agency's one answer: a message and, if it likes, a premium quote in rials."""
        if selectors.agency_offer_get(agency=self.agency, request_id=advice_request_id) is None:
            raise Http404
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.advice_answer(
            request_id=advice_request_id,
            agency=self.agency,
            actor=request.user,
            message=data.validated_data["message"],
            premium=data.validated_data["premium"],
        )
        return self.offered(advice_request_id)

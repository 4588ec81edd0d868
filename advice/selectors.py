"""Reads of advice requests: the customer's own (the only place a customer filter is
written) and the ones offered to an agency (the only place an agency filter is written)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from advice.models import AdviceAnswer, AdviceOffer, AdviceRequest

State = AdviceRequest.State


def customer_requests(*, customer: Any) -> QuerySet[AdviceRequest]:
    """The customer's requests, newest first, with their number of answers."""
    return (
        AdviceRequest.objects.filter(customer=customer)
        .select_related("line")
        .annotate(answer_count=Count("answers"))
        .order_by("-created_at", "-id")
    )


def customer_request_get(*, customer: Any, request_id: int) -> AdviceRequest | None:
    return (
        AdviceRequest.objects.filter(customer=customer, pk=request_id)
        .select_related("line", "accepted_answer__agency", "rating")
        .first()
    )


def request_answers(*, request: AdviceRequest) -> list[AdviceAnswer]:
    """The answers in the order they came (no agency is named: the customer sees numbers)."""
    return list(AdviceAnswer.objects.filter(request=request).order_by("number"))


def agency_offered(*, agency: Any) -> QuerySet[AdviceOffer]:
    """The requests offered to the agency, newest first, with whether it answered and
    whether it was chosen (read in the same statement)."""
    mine = AdviceAnswer.objects.filter(request_id=OuterRef("request_id"), agency=agency)
    return (
        AdviceOffer.objects.filter(agency=agency)
        .select_related("request__line", "request__accepted_answer")
        .annotate(answered=Exists(mine))
        .order_by("-offered_at", "-id")
    )


def agency_waiting_count(*, agency: Any) -> int:
    """Open requests offered to the agency that it has not answered (the nav badge)."""
    mine = AdviceAnswer.objects.filter(request_id=OuterRef("request_id"), agency=agency)
    return (
        AdviceOffer.objects.filter(agency=agency, request__state=State.OPEN)
        .exclude(Exists(mine))
        .count()
    )


def agency_offer_get(*, agency: Any, request_id: int) -> AdviceOffer | None:
    """The agency's offer of one request (``None``: never offered to it, so a 404)."""
    return (
        AdviceOffer.objects.filter(agency=agency, request_id=request_id)
        .select_related("request__line", "request__customer", "request__accepted_answer")
        .first()
    )


def agency_answer_get(*, agency: Any, request_id: int) -> AdviceAnswer | None:
    return AdviceAnswer.objects.filter(agency=agency, request_id=request_id).first()


def requests_due(*, now: dt.datetime, limit: int = 100) -> list[int]:
    return list(
        AdviceRequest.objects.filter(state=State.OPEN, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def requests_lapsed(*, now: dt.datetime, limit: int = 100) -> list[int]:
    return list(
        AdviceRequest.objects.filter(state=State.OPEN, expires_at__lte=now)
        .order_by("expires_at", "id")
        .values_list("id", flat=True)[:limit]
    )

"""Reads of agency sign-up that more than one caller uses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.text.words import words_filter
from onboarding.models import QUEUE_AT, AgencyApplication


def applications_waiting_count() -> int:
    """Applications waiting for an operator's decision (the ops card's badge)."""
    return AgencyApplication.objects.filter(state__in=AgencyApplication.WAITING).count()


def applications_for_ops(*, state: str = "", query: str = "") -> QuerySet[AgencyApplication]:
    """The ops queue: waiting ones by default (``state="waiting"``, the longest waiting
    first), one state, or all (``""``, newest first), by ``queue_at`` (submitted, or made for
    a draft) and id — read a page at a time with ``core.keyset`` (``queue_ascending`` says
    which way). Every word of ``query`` must start a word of the name, national code,
    licence number, mobile or agency name (normalised: Arabic letters, any digits; the GIN
    index ``application_search_words``)."""
    applications = AgencyApplication.objects.annotate(queue_at=QUEUE_AT)
    order = ("-queue_at", "-id")
    if state == "waiting":
        applications = applications.filter(state__in=AgencyApplication.WAITING)
        order = ("queue_at", "id")
    elif state in AgencyApplication.State.values:
        applications = applications.filter(state=state)
    if query:
        applications = applications.filter(words_filter(query))
    return applications.order_by(*order).defer("search_key", "search_words")


def queue_ascending(state: str) -> bool:
    """Whether the queue of ``state`` runs oldest first (the waiting ones)."""
    return state == "waiting"


def application_for_ops(*, application_id: int) -> AgencyApplication | None:
    return (
        AgencyApplication.objects.select_related("applicant", "decided_by", "agency")
        .filter(pk=application_id)
        .first()
    )


def application_of_applicant(*, public_id: Any, applicant: Any) -> AgencyApplication | None:
    """The applicant's own application; another account's is None (a 404 for the caller)."""
    if not getattr(applicant, "is_authenticated", False):
        return None
    return AgencyApplication.objects.filter(public_id=public_id, applicant=applicant).first()


def applications_of_applicant(*, applicant: Any) -> QuerySet[AgencyApplication]:
    return AgencyApplication.objects.filter(applicant=applicant).order_by("-created_at", "-id")

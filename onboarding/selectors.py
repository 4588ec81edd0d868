"""Reads of agency sign-up that more than one caller uses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.text import search_filter
from onboarding.models import AgencyApplication


def applications_waiting_count() -> int:
    """Applications waiting for an operator's decision (the ops card's badge)."""
    return AgencyApplication.objects.filter(state__in=AgencyApplication.WAITING).count()


def applications_for_ops(*, state: str = "", query: str = "") -> QuerySet[AgencyApplication]:
    """The ops queue: waiting ones by default (``state="waiting"``, the longest waiting
    first), one state, or all (``""``, newest first); every word of ``query`` must be in the
    name, national code, licence number, mobile or agency name (normalised: Arabic letters,
    any digits)."""
    applications = AgencyApplication.objects.all()
    order = ("-submitted_at", "-id")
    if state == "waiting":
        applications = applications.filter(state__in=AgencyApplication.WAITING)
        order = ("submitted_at", "id")
    elif state in AgencyApplication.State.values:
        applications = applications.filter(state=state)
    if query:
        applications = applications.filter(search_filter(query, "search_key"))
    return applications.order_by(*order).defer("search_key")


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

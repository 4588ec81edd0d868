"""Reads of the book and of cases for the API's lists (the panel's own pages may share them
once they land). Staff see only the cases assigned to them (decision 026)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, QuerySet

from crm.models import Activity, BookPolicy, Case
from crm.selectors.card import membership_sees_all


def book_list(
    *,
    origin: str | None = None,
    state: str | None = None,
    expires_from: dt.date | None = None,
    expires_to: dt.date | None = None,
    customer_id: int | None = None,
) -> QuerySet[BookPolicy]:
    """The agency's book; with an expiry range, soonest expiry first (the chase list), else
    the newest policies first."""
    policies = BookPolicy.objects.select_related("customer")
    if origin:
        policies = policies.filter(origin=origin)
    if state:
        policies = policies.filter(state=state)
    if customer_id:
        policies = policies.filter(customer_id=customer_id)
    if expires_from:
        policies = policies.filter(end_date__gte=expires_from)
    if expires_to:
        policies = policies.filter(end_date__lte=expires_to)
    if expires_from or expires_to:
        return policies.order_by("end_date", "id")
    return policies.order_by(F("start_date").desc(nulls_last=True), "-id")


def book_policy_get(*, book_policy_id: int) -> BookPolicy | None:
    return (
        BookPolicy.objects.select_related("customer", "marketer", "delivery_address")
        .filter(pk=book_policy_id)
        .first()
    )


def cases_visible(membership: Any) -> QuerySet[Case]:
    """The cases a member may see: all of them for owners and managers, staff theirs."""
    cases = Case.objects.select_related("customer")
    if not membership_sees_all(membership):
        cases = cases.filter(assignee_user_id=membership.user_id)
    return cases


def case_list(
    *,
    membership: Any,
    state: str | None = None,
    kind: str | None = None,
    customer_id: int | None = None,
    assignee_user_id: int | None = None,
) -> QuerySet[Case]:
    cases = cases_visible(membership)
    if state:
        cases = cases.filter(state=state)
    if kind:
        cases = cases.filter(kind=kind)
    if customer_id:
        cases = cases.filter(customer_id=customer_id)
    if assignee_user_id:
        cases = cases.filter(assignee_user_id=assignee_user_id)
    return cases.order_by("-created_at", "-id")


def case_get(*, membership: Any, case_id: int) -> tuple[Case, list[Activity]] | None:
    """A case the member may see, with its activities in due order."""
    case = cases_visible(membership).filter(pk=case_id).first()
    if case is None:
        return None
    return case, list(Activity.objects.filter(case=case).order_by(F("due_at").asc(), "id"))

"""Reads of the agency's book for the API (the book's panel pages may share them)."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet

from crm.models import BookPolicy


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

"""Reads of cancellations that pages and the API share. The customer and site filters are
written here and nowhere else."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from cancellations.models import CancellationRequest
from policies.models import Order, Policy


def customer_cancellations(*, customer: Any, agency: Any) -> QuerySet[CancellationRequest]:
    """The customer's requests, newest first: on an agency site those of its policies, on the
    main site all of them (one account on every site, as the account page's policies)."""
    requests = CancellationRequest.objects.select_related("policy", "policy__line").filter(
        customer=customer
    )
    return requests.filter(agency=agency) if agency is not None else requests


def customer_cancellation_get(
    *, customer: Any, agency: Any, public_id: uuid.UUID | str
) -> CancellationRequest | None:
    """One of the customer's requests on this site; anyone else's id finds nothing."""
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return customer_cancellations(customer=customer, agency=agency).filter(public_id=key).first()


def customer_policy_get(*, customer: Any, agency: Any, number: str) -> Policy | None:
    """The customer's policy ``number`` as the account page lists it on this site."""
    policies = Policy.objects.select_related("line", "agency", "order").filter(
        customer=customer, number=number
    )
    if agency is not None:
        policies = policies.filter(agency=agency, order__channel=Order.Channel.AGENCY)
    return policies.first()


def cancellation_queue(*, state: str = "") -> QuerySet[CancellationRequest]:
    """The insurer's queue (oldest waiting first), optionally of one state."""
    requests = CancellationRequest.objects.select_related(
        "policy", "policy__line", "customer", "agency", "decided_by"
    )
    if state in CancellationRequest.State.values:
        requests = requests.filter(state=state)
    return requests.order_by("created_at", "id")


def cancellations_waiting() -> int:
    return CancellationRequest.objects.filter(state=CancellationRequest.State.PENDING).count()

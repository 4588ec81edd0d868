"""Reads of cancellations that pages and the API share. The customer and site filters are
written here and nowhere else."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from cancellations.models import CancellationRequest
from policies.models import Order, Policy
from policies.selectors import policy_for_site


def customer_cancellations(*, customer: Any, agency: Any) -> QuerySet[CancellationRequest]:
    """The customer's requests, newest first, of the policies sold on this site."""
    requests = CancellationRequest.objects.select_related("policy", "policy__line").filter(
        customer=customer
    )
    if agency is None:
        return requests.filter(policy__order__channel=Order.Channel.MAIN)
    return requests.filter(agency=agency, policy__order__channel=Order.Channel.AGENCY)


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
    """The customer's policy ``number`` sold on this site (a sale is handled where it was
    made: the main site's own, or this agency's)."""
    policy = policy_for_site(number=number, agency=agency)
    if policy is None or policy.customer_id != customer.pk:
        return None
    return policy


def customer_policy_elsewhere(*, customer: Any, number: str) -> Policy | None:
    """The customer's policy ``number`` whatever site sold it (to send them there)."""
    return (
        Policy.objects.select_related("agency", "order")
        .filter(customer=customer, number=number)
        .first()
    )


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

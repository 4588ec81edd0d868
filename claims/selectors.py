"""Reads of claims shared by the pages and the API: the only place their customer, site or
agency filter is written (decision 048)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from claims.models import Claim, ClaimDocument
from core.text import search_filter
from policies.models import Order, Policy


def claims_of_customer(*, customer: Any, agency: Any) -> QuerySet[Claim]:
    """The customer's claims on this site's policies (all of them on the main site, as the
    account page's policies), newest first."""
    claims = Claim.objects.select_related("line", "policy").filter(customer=customer)
    if agency is not None:
        claims = claims.filter(agency=agency, policy__order__channel=Order.Channel.AGENCY)
    return claims.order_by("-filed_at", "-id")


def claim_of_customer(*, customer: Any, agency: Any, public_id: Any) -> Claim | None:
    return claims_of_customer(customer=customer, agency=agency).filter(public_id=public_id).first()


def claimable_policy(*, customer: Any, agency: Any, number: str) -> Policy | None:
    """One of the customer's policies on this site, by number (None for anyone else's)."""
    policies = Policy.objects.select_related("line", "order", "agency").filter(
        number=number, customer=customer
    )
    if agency is not None:
        policies = policies.filter(agency=agency, order__channel=Order.Channel.AGENCY)
    return policies.first()


def claims_queue(*, state: str = "", line_code: str = "", query: str = "") -> QuerySet[Claim]:
    """The insurer's claims queue: oldest first, filtered by state and line, searched by
    number, insured, mobile and place (normalised)."""
    claims = Claim.objects.select_related("line", "agency")
    if state:
        claims = claims.filter(state=state)
    if line_code:
        claims = claims.filter(line__code=line_code)
    if query:
        claims = claims.filter(search_filter(query, "search_key"))
    return claims.order_by("filed_at", "id")


def claims_waiting_count() -> int:
    """Claims the insurer's staff must act on (not rejected, not paid)."""
    closed = {Claim.State.REJECTED, Claim.State.PAID}
    return Claim.objects.filter(
        state__in=[state for state in Claim.State.values if state not in closed]
    ).count()


def claim_for_insurer(*, public_id: Any) -> Claim | None:
    return (
        Claim.objects.select_related("line", "agency", "policy", "customer", "assessor")
        .filter(public_id=public_id)
        .first()
    )


def claims_of_agency(*, agency: Any) -> QuerySet[Claim]:
    """The claims on policies the agency sold, newest first."""
    return (
        Claim.objects.select_related("line", "policy")
        .filter(agency=agency)
        .order_by("-filed_at", "-id")
    )


def claim_of_agency(*, agency: Any, public_id: Any) -> Claim | None:
    return claims_of_agency(agency=agency).filter(public_id=public_id).first()


def claim_document(*, claim: Claim, public_id: Any) -> ClaimDocument | None:
    return claim.documents.filter(public_id=public_id).first()


def claim_timeline(*, claim: Claim) -> QuerySet:
    return claim.events.select_related("actor").order_by("at", "id")


def policy_has_open_or_paid_claim(policy: Any) -> bool:
    """For ``policies.claim_checks`` (decisions 049, 050): a claim on ``policy`` that is not
    rejected — open at any step, or paid — refuses a cancellation where the line's table says
    so and keeps the no-claim years of a renewal."""
    return Claim.objects.filter(policy_id=policy.pk).exclude(state=Claim.State.REJECTED).exists()

"""Reads of claims shared by the pages and the API: the only place their customer, site or
agency filter is written (decision 048)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from claims.models import Claim, ClaimDocument
from core.text import normalize_identifier
from core.text.words import words_filter
from policies.models import Line, Order, Policy


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


CLAIM_NUMBER_LENGTH = 20  # Claim.number's max_length


def claims_queue(*, state: str = "", line_code: str = "", query: str = "") -> QuerySet[Claim]:
    """The insurer's claims queue: oldest first (read a page at a time with
    ``core.keyset``, ascending by ``filed_at`` and id), filtered by state and line, searched
    by the whole claim number (its unique index) or by the start of the words of the
    insured's name, the mobile and the place (normalised, the GIN index
    ``claims_search_words``)."""
    claims = Claim.objects.select_related("line", "agency").defer("search_key", "search_words")
    if state:
        claims = claims.filter(state=state)
    if line_code:
        line_id = Line.objects.filter(code=line_code).order_by().values("pk")[:1]
        claims = claims.filter(line_id=line_id)
    if query:
        match = words_filter(query)
        number = normalize_identifier(query).upper()
        if number and len(number) <= CLAIM_NUMBER_LENGTH:
            match |= Q(number=number)
        claims = claims.filter(match)
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

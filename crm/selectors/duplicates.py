"""Duplicate customers (S-6.1): exact on the national code and on any normalised mobile,
then fuzzy on the name once ي/ك, digits and half-spaces are out of the way.

The fuzzy step narrows in SQL first (customers whose search key holds a word of the name;
with pg_trgm a trigram index serves it), ranks those by how many words they share, then
scores at most ``FUZZY_POOL`` of them with rapidfuzz on the names' search keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.lookups import Contains
from rapidfuzz import fuzz

from core.text import search_key, search_terms
from crm.models import Customer, CustomerPhone

# Scores are 0-100; a name at or above this is offered as a possible duplicate.
FUZZY_THRESHOLD = 85
FUZZY_POOL = 200
MIN_TERM_LENGTH = 2


@dataclass
class DuplicateCandidate:
    """A live customer who may be the one being entered, why, and how sure (0-100)."""

    customer: Customer
    score: int
    reasons: list[str] = field(default_factory=list)


def name_similarity(a: str, b: str) -> int:
    """How alike two names are, 0-100, whatever their spelling: the keys without spaces
    (half-space and space variants meet), and the words in any order."""
    whole = fuzz.ratio(search_key(a), search_key(b))
    words = fuzz.token_sort_ratio(" ".join(search_terms(a)), " ".join(search_terms(b)))
    return round(max(whole, words))


def _name_of(customer: Customer) -> str:
    if customer.party == Customer.Party.COMPANY:
        return customer.company_name
    return f"{customer.first_name} {customer.last_name}"


def customer_duplicates(
    *,
    national_code: str | None = None,
    mobiles: Iterable[str] = (),
    name: str = "",
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[DuplicateCandidate]:
    """Live customers that may be the same person or company, best first.

    ``national_code`` and ``mobiles`` must already be normalised; ``name`` is the full name
    (or company name) as typed. A national code or mobile match scores 100.
    """
    found: dict[int, DuplicateCandidate] = {}
    live = Customer.objects.filter(merged_into__isnull=True)
    if exclude_id is not None:
        live = live.exclude(pk=exclude_id)

    def add(customer: Customer, score: int, reason: str) -> None:
        candidate = found.setdefault(customer.pk, DuplicateCandidate(customer, 0))
        candidate.score = max(candidate.score, score)
        if reason not in candidate.reasons:
            candidate.reasons.append(reason)

    if national_code:
        for customer in live.filter(national_code=national_code):
            add(customer, 100, "national_code")
    numbers = sorted(set(mobiles))
    if numbers:
        holders = live.filter(
            pk__in=CustomerPhone.objects.filter(number__in=numbers).values("customer_id")
        )
        for customer in holders:
            add(customer, 100, "mobile")
    terms = [term for term in search_terms(name) if len(term) >= MIN_TERM_LENGTH]
    if terms:
        key = F("search_key")
        shared = sum(
            (
                Case(
                    When(Contains(key, term), then=Value(1)),
                    default=Value(0),
                    output_field=IntegerField(),
                )
                for term in terms
            ),
            start=Value(0),
        )
        condition = Q()
        for term in terms:
            condition |= Q(Contains(key, term))
        pool = (
            live.filter(condition)
            .annotate(shared_words=shared)
            .order_by("-shared_words", "-id")[:FUZZY_POOL]
        )
        for customer in pool:
            score = name_similarity(name, _name_of(customer))
            if score >= FUZZY_THRESHOLD:
                add(customer, score, "name")
    ranked = sorted(found.values(), key=lambda c: (-c.score, -len(c.reasons), -c.customer.pk))
    return ranked[:limit]

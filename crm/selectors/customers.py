"""Finding customers: the list with its filters, search by name or any form of a phone
number, and the caller lookup."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet

from core.text import search_filter
from crm.models import Customer, CustomerPhone, CustomerRank
from crm.phones import phone_or_none
from crm.services.contacts import default_area_code

# A search counts its matches up to here: a frequent partial name matches tens of thousands,
# and counting them all cost many times the page itself (benchmarks/crm.py).
SEARCH_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts at most ``cap`` rows (``SELECT count(*) FROM (… LIMIT cap+1)``).
    Past the cap ``capped`` is true, ``count`` is the cap and the pages reach only that far:
    the page says there are more and asks for a narrower search."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = SEARCH_COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        return int(self.object_list[: self.cap + 1].count())  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.cap


def customers_live() -> QuerySet[Customer]:
    """Customers not merged into another (a merged one is only history)."""
    return Customer.objects.filter(merged_into__isnull=True)


def phone_search_number(query: str) -> str | None:
    """The stored form of ``query`` if it is a phone number (any digits, any prefix); the
    agency's default area code is read only for a local number that needs it."""
    if not query or sum(ch.isdigit() for ch in query) < 8:
        return None
    return phone_or_none(query) or phone_or_none(query, default_area_code=default_area_code())


def customer_list(
    *,
    membership: Any = None,
    query: str = "",
    kind: str | None = None,
    party: str | None = None,
    group_id: int | None = None,
    region_id: int | None = None,
    marketer_id: int | None = None,
    band: str | None = None,
    sms_consent: bool | None = None,
) -> QuerySet[Customer]:
    """The agency's live customers, newest first, with region, marketer and rank joined (the
    list's rows need nothing else). ``query`` is a phone number in any form (all customers
    holding it) or words of a name, national code or mobile, whatever their spelling.

    Every member of the agency sees every customer (the caller lookup needs it); what is
    assigned to staff (cases, activities) is filtered where it is read.
    """
    customers = customers_live().select_related("region", "marketer", "rank")
    number = phone_search_number(query)
    if number is not None:
        customers = customers.filter(
            pk__in=CustomerPhone.objects.filter(number=number).values("customer_id")
        )
    elif query:
        customers = customers.filter(search_filter(query, "search_key"))
    if kind:
        customers = customers.filter(kind=kind)
    if party:
        customers = customers.filter(party=party)
    if group_id:
        customers = customers.filter(groups=group_id)
    if region_id:
        customers = customers.filter(region_id=region_id)
    if marketer_id:
        customers = customers.filter(marketer_id=marketer_id)
    if band:
        customers = customers.filter(rank__band=band)
    if sms_consent is not None:
        customers = customers.filter(sms_consent=sms_consent)
    return customers.order_by("-created_at", "-id")


# What a caller lookup shows of each holder (name, kind, rank band, card link); the rest of the
# customer is deferred (loaded if some caller reads it). The columns of _BY_PHONE_SQL, in order.
LOOKUP_FIELDS = (
    "id",
    "kind",
    "party",
    "first_name",
    "last_name",
    "company_name",
    "mobile",
    "national_code",
    "merged_into_id",
)
# The lookup as one fixed statement: no queryset to build and compile on every call (most of
# a lookup's time in Python went there). Unqualified tables: the search path picks the
# agency's schema, as for every other query.
_BY_PHONE_SQL = (
    "SELECT c.id, c.kind, c.party, c.first_name, c.last_name, c.company_name, c.mobile, "
    "c.national_code, c.merged_into_id, r.band FROM crm_customer c "
    "JOIN crm_customerphone p ON p.customer_id = c.id "
    "LEFT JOIN crm_customerrank r ON r.customer_id = c.id "
    "WHERE p.number = %s AND c.merged_into_id IS NULL "
    "ORDER BY p.is_primary DESC, c.kind, c.id"
)


def customers_by_phone(*, phone: str, normalised: bool = False) -> list[Customer]:
    """Caller lookup: the live customers holding ``phone`` (typed or sent in any form), the
    one whose primary number it is first; an empty list for an unknown or invalid number.
    ``normalised``: ``phone`` is already the stored form (``caller_lookup`` made it so).

    One query; each holder is built with ``LOOKUP_FIELDS`` and its rank (``customer.rank``,
    missing for one never ranked, as ``select_related`` leaves it)."""
    number = phone if normalised else phone_search_number(phone)
    if not number:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_BY_PHONE_SQL, [number])
        rows = cursor.fetchall()
    found = []
    for *values, band in rows:
        customer = Customer.from_db(connection.alias, LOOKUP_FIELDS, values)
        rank = None
        if band is not None:
            rank = CustomerRank.from_db(
                connection.alias, ("customer_id", "band"), (values[0], band)
            )
            rank._state.fields_cache["customer"] = customer
        customer._state.fields_cache["rank"] = rank
        found.append(customer)
    return found

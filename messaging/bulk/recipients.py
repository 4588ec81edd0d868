"""Who a bulk send goes to, read in chunks (memory flat whatever the audience's size).

Customers of a group, of the customer list's filters or of a registered audience (every CRM
report, ``crm.selectors.audiences``) are read once per number: ``DISTINCT ON (mobile)``
ordered by the number, the chunk after the last number read (keyset, no server-side cursor to
keep open between transactions). Only customers an SMS may reach are read
(``sms_reachable``: consent, not opted out, a mobile); the others are counted.

An uploaded list's numbers are kept de-duplicated (``BulkListNumber``) and read by id. A
number held by a CRM customer who never consented or opted out is skipped on the
promotional line; otherwise the first customer holding it is the message's customer
(its timeline, its placeholder values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.sms.outbox import OutboxItem
from core.sms.parts import Line, sms_parts
from crm.models import Customer, CustomerGroupMembership, CustomerPhone
from crm.selectors.audiences import audience_get, sms_reachable
from crm.selectors.customers import customer_list, customers_live
from messaging.bulk.models import BulkListNumber, BulkSend, BulkSkip
from messaging.bulk.render import Renderer, Skipped, bulk_renderer

CHUNK = 10_000
# What of a customer a message needs (names for placeholders, the number).
CUSTOMER_FIELDS = (
    "id",
    "kind",
    "party",
    "first_name",
    "last_name",
    "company_name",
    "mobile",
    "sms_consent",
    "sms_opted_out_at",
)
# Filters saved as ISO text, read back as dates.
DATE_FILTERS = ("first", "last", "today")


@dataclass
class Chunk:
    """One chunk's recipients and skips, and where the next chunk starts."""

    items: list[OutboxItem] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)
    skips: list[BulkSkip] = field(default_factory=list)
    position: str = ""

    def count(self, reason: str) -> int:
        return sum(1 for skip in self.skips if skip.reason == reason)


def saved_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """Filters as a registered audience takes them (dates back from ISO text)."""
    return {
        key: dt.date.fromisoformat(value) if key in DATE_FILTERS and value else value
        for key, value in filters.items()
    }


def audience_ids(bulk: BulkSend) -> QuerySet[Any]:
    """The ids of the customers the send is meant for, before consent is looked at."""
    if bulk.audience == BulkSend.Audience.GROUP:
        return CustomerGroupMembership.objects.filter(group_id=bulk.group_id).values("customer_id")
    if bulk.audience == BulkSend.Audience.FILTER:
        return customer_list(**bulk.filters).order_by().values("id")
    if bulk.audience == BulkSend.Audience.REPORT:
        return audience_get(bulk.audience_key).selector(**saved_filters(bulk.filters))
    raise ValueError(f"{bulk.audience!r} is not an audience of customers")


def audience_counts(bulk: BulkSend) -> dict[str, int]:
    """What is skipped of an audience before any text is rendered: customers without consent
    or opted out, without a mobile, and numbers held by more than one customer."""
    candidates = customers_live().filter(pk__in=audience_ids(bulk))
    reachable = Q(sms_consent=True, sms_opted_out_at__isnull=True)
    totals = candidates.aggregate(
        blocked=Count("id", filter=~reachable),
        no_mobile=Count("id", filter=reachable & Q(mobile="")),
        numbers=Count("mobile", filter=reachable & ~Q(mobile=""), distinct=True),
        rows=Count("id", filter=reachable & ~Q(mobile="")),
    )
    return {
        BulkSkip.Reason.CONSENT: totals["blocked"],
        BulkSkip.Reason.INVALID: totals["no_mobile"],
        BulkSkip.Reason.DUPLICATE: totals["rows"] - totals["numbers"],
    }


@lru_cache(maxsize=256)
def _parts(text: str) -> int:
    """Parts of ``text``; a text without placeholders is the same for every recipient."""
    return sms_parts(text)


def _rendered(chunk: Chunk, render: Renderer, customer: Any, number: str, row: int | None) -> None:
    text = render(customer)
    customer_id = customer.pk if customer is not None else None
    if isinstance(text, Skipped):
        chunk.skips.append(
            BulkSkip(
                reason=BulkSkip.Reason.MISSING,
                row=row,
                value=number,
                customer_id=customer_id,
                detail=text.detail[:200],
            )
        )
        return
    chunk.items.append(OutboxItem(to=number, body=text, customer_id=customer_id))
    chunk.parts.append(_parts(text))


def _audience_chunks(bulk: BulkSend, render: Renderer, after: str, size: int) -> Iterator[Chunk]:
    reachable = sms_reachable().filter(pk__in=audience_ids(bulk)).only(*CUSTOMER_FIELDS)
    while True:
        customers = list(
            reachable.filter(mobile__gt=after).order_by("mobile", "id").distinct("mobile")[:size]
        )
        if not customers:
            return
        chunk = Chunk(position=customers[-1].mobile)
        for customer in customers:
            _rendered(chunk, render, customer, customer.mobile, None)
        after = chunk.position
        yield chunk


def _holders(numbers: QuerySet[Any]) -> dict[str, list[Customer]]:
    """The live customers holding each of ``numbers`` (a subquery of the chunk's numbers), as
    their mobile or one of their phones, lowest id first: two queries for the chunk."""
    by_mobile = customers_live().filter(mobile__in=numbers).only(*CUSTOMER_FIELDS)
    by_phone = (
        CustomerPhone.objects.filter(number__in=numbers, customer__merged_into__isnull=True)
        .select_related("customer")
        .only("number", *(f"customer__{name}" for name in CUSTOMER_FIELDS))
    )
    found: dict[str, dict[int, Customer]] = {}
    for customer in by_mobile:
        found.setdefault(customer.mobile, {})[customer.pk] = customer
    for phone in by_phone:
        found.setdefault(phone.number, {})[phone.customer.pk] = phone.customer
    return {number: [c for _pk, c in sorted(held.items())] for number, held in found.items()}


def _may_receive(customer: Customer) -> bool:
    return customer.sms_consent and customer.sms_opted_out_at is None


def _list_chunks(bulk: BulkSend, render: Renderer, after: str, size: int) -> Iterator[Chunk]:
    last = int(after or 0)
    promotional = bulk.line == Line.PROMOTIONAL
    while True:
        rows = list(
            BulkListNumber.objects.filter(bulk=bulk, id__gt=last)
            .order_by("id")
            .values_list("id", "number", "row")[:size]
        )
        if not rows:
            return
        holders = _holders(
            BulkListNumber.objects.filter(bulk=bulk, id__gt=last, id__lte=rows[-1][0]).values(
                "number"
            )
        )
        chunk = Chunk(position=str(rows[-1][0]))
        for _id, number, row in rows:
            held = holders.get(number, [])
            if promotional and any(not _may_receive(customer) for customer in held):
                blocked = next(customer for customer in held if not _may_receive(customer))
                chunk.skips.append(
                    BulkSkip(
                        reason=BulkSkip.Reason.CONSENT,
                        row=row,
                        value=number,
                        customer_id=blocked.pk,
                        detail=_(
                            "The customer holding this number opted out or never agreed "
                            "to advertising SMS."
                        ),
                    )
                )
                continue
            _rendered(chunk, render, held[0] if held else None, number, row)
        last = rows[-1][0]
        yield chunk


def bulk_chunks(
    bulk: BulkSend, *, agency: Any, after: str = "", size: int = CHUNK
) -> Iterator[Chunk]:
    """The send's recipients, ``size`` at a time, starting after ``after`` (a chunk's
    ``position``)."""
    render = bulk_renderer(bulk.body, agency=agency)
    if bulk.audience == BulkSend.Audience.UPLOAD:
        return _list_chunks(bulk, render, after, size)
    return _audience_chunks(bulk, render, after, size)

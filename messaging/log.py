"""The agency's SMS log (issue 13, item 8; decision 039): what it sent and what its customers
answered, read from core's public tables filtered by the agency's id, with names from the
agency's schema read for a whole page at once.

The agency may hold millions of messages: a page is read along the index
``core_sms_agency_log`` (agency, newest first), the count stops at ``COUNT_CAP`` and the
totals of a filter are given up (``None``) past ``TOTALS_TIMEOUT_MS`` rather than holding the
page: the page then asks for narrower dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from core.jalali import tehran
from core.models import SmsInbound, SmsMessage
from core.text.search import search_filter
from crm.models import CustomerPhone
from crm.selectors.customers import customers_live, phone_search_number
from messaging.log_sources import SourceLabels, source_kind_filter

# The count of a filter stops here (the page says "more than"); pages reach as far.
COUNT_CAP = 10_000
# Customers a name search looks for messages of (a wider search asks for a narrower name).
SEARCH_CUSTOMERS_CAP = 500
# The totals of a filter are given up after this long.
TOTALS_TIMEOUT_MS = 3000


@dataclass(frozen=True)
class LogFilter:
    """What the log is asked for: Tehran days ``first``–``last`` (both included), a status,
    a line, a kind of source (messaging.log_sources) and a customer's name or a number."""

    first: dt.date | None = None
    last: dt.date | None = None
    status: str = ""
    line: str = ""
    source: str = ""
    query: str = ""


@dataclass(frozen=True)
class Totals:
    messages: int
    parts: int
    cost: Decimal


@dataclass
class Search:
    """A query as numbers or customers (None: no search; empty: nothing matches)."""

    numbers: list[str] | None = None
    customer_ids: list[int] | None = None

    @property
    def empty(self) -> bool:
        return self.numbers == [] or self.customer_ids == []


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tehran())


def _search(query: str) -> Search:
    if not query:
        return Search()
    number = phone_search_number(query)
    if number is not None:
        return Search(numbers=[number])
    ids = list(
        customers_live()
        .filter(search_filter(query, "search_key"))
        .order_by("-id")
        .values_list("pk", flat=True)[:SEARCH_CUSTOMERS_CAP]
    )
    return Search(customer_ids=ids)


def _dated(queryset: QuerySet[Any], column: str, filters: LogFilter) -> QuerySet[Any]:
    if filters.first:
        queryset = queryset.filter(**{f"{column}__gte": _tehran_midnight(filters.first)})
    if filters.last:
        following = _tehran_midnight(filters.last + dt.timedelta(days=1))
        queryset = queryset.filter(**{f"{column}__lt": following})
    return queryset


def sent_messages(*, agency: Any, filters: LogFilter) -> QuerySet[SmsMessage]:
    """The agency's messages matching ``filters``, newest first (in the agency's schema: a
    name search reads its customers)."""
    messages = _dated(SmsMessage.objects.filter(agency_id=agency.pk), "created_at", filters)
    if filters.status:
        messages = messages.filter(status=filters.status)
    if filters.line:
        messages = messages.filter(line=filters.line)
    if filters.source:
        condition = source_kind_filter(filters.source)
        if condition is not None:
            messages = messages.filter(condition)
    search = _search(filters.query)
    if search.empty:
        return messages.none()
    if search.numbers is not None:
        messages = messages.filter(to__in=search.numbers)
    if search.customer_ids is not None:
        messages = messages.filter(customer_id__in=search.customer_ids)
    return messages.order_by("-created_at", "-id")


def received_messages(*, agency: Any, filters: LogFilter) -> QuerySet[SmsInbound]:
    """The replies to the agency matching ``filters``' dates and search, newest first."""
    replies = _dated(SmsInbound.objects.filter(agency_id=agency.pk), "received_at", filters)
    search = _search(filters.query)
    if search.customer_ids is not None and search.customer_ids:
        search.numbers = list(
            CustomerPhone.objects.filter(customer_id__in=search.customer_ids)
            .values_list("number", flat=True)
            .distinct()
        )
    if search.empty:
        return replies.none()
    if search.numbers is not None:
        replies = replies.filter(sender__in=search.numbers)
    return replies.order_by("-received_at", "-id")


def sent_totals(messages: QuerySet[SmsMessage]) -> Totals | None:
    """Messages, parts and cost of a filter; None when summing takes too long."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {int(TOTALS_TIMEOUT_MS)}")
            row = messages.order_by().aggregate(
                messages=Count("id"),
                parts=Coalesce(Sum("parts"), 0),
                cost=Coalesce(Sum("cost"), Decimal(0)),
            )
            with connection.cursor() as cursor:
                # Inside a caller's transaction the limit would outlive this block.
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except OperationalError:
        return None
    return Totals(messages=row["messages"], parts=int(row["parts"]), cost=Decimal(row["cost"]))


# --- Rows as shown -------------------------------------------------------------------------


@dataclass
class SentRow:
    message: SmsMessage
    customer_name: str
    source_label: str


@dataclass
class ReceivedRow:
    inbound: SmsInbound
    customer_id: int | None
    customer_name: str


def _customer_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        customer.pk: customer.display_name
        for customer in customers_live()
        .filter(pk__in=ids)
        .only("id", "party", "first_name", "last_name", "company_name")
    }


def sent_rows(
    messages: list[SmsMessage], *, customer_names: dict[int, str] | None = None
) -> list[SentRow]:
    """A page (or a chunk of an export) with its names: three queries at most, plus one per
    kind of source present that has names (``customer_names``: already known, not read)."""
    names = customer_names
    if names is None:
        names = _customer_names(
            {message.customer_id for message in messages if message.customer_id}
        )
    sources = SourceLabels(messages)
    return [
        SentRow(
            message=message,
            customer_name=names.get(message.customer_id or 0, ""),
            source_label=sources.label(message),
        )
        for message in messages
    ]


def received_rows(replies: list[SmsInbound]) -> list[ReceivedRow]:
    """A page of replies with the live customer holding each sender's number (one query)."""
    senders = {reply.sender for reply in replies}
    holders: dict[str, tuple[int, str]] = {}
    if senders:
        phones = (
            CustomerPhone.objects.filter(number__in=senders, customer__merged_into__isnull=True)
            .select_related("customer")
            .only(
                "number",
                "is_primary",
                "customer__id",
                "customer__party",
                "customer__first_name",
                "customer__last_name",
                "customer__company_name",
            )
            .order_by("number", "-is_primary", "customer_id")
        )
        for phone in phones:
            holders.setdefault(phone.number, (phone.customer.pk, phone.customer.display_name))
    rows = []
    for reply in replies:
        customer_id, name = holders.get(reply.sender, (None, ""))
        rows.append(ReceivedRow(inbound=reply, customer_id=customer_id, customer_name=name))
    return rows

"""Reads of cheques, promissory notes and debit notes: the list with its filters, a
customer's own, and what the dashboard counts."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from core.jalali import tehran
from core.text import search_filter
from crm.models import Instrument

# "Due soon" on the dashboard: due today or within this many days.
DUE_SOON_DAYS = 7


def instrument_list(
    *,
    kind: str | None = None,
    state: str | None = None,
    due_from: dt.date | None = None,
    due_to: dt.date | None = None,
    customer_id: int | None = None,
    query: str = "",
) -> QuerySet[Instrument]:
    """The agency's instruments by due date, each with its customer (one query a page)."""
    instruments = Instrument.objects.select_related("customer")
    if kind:
        instruments = instruments.filter(kind=kind)
    if state:
        instruments = instruments.filter(state=state)
    if due_from:
        instruments = instruments.filter(due_date__gte=due_from)
    if due_to:
        instruments = instruments.filter(due_date__lte=due_to)
    if customer_id:
        instruments = instruments.filter(customer_id=customer_id)
    if query:
        instruments = instruments.filter(search_filter(query, "customer__search_key"))
    return instruments.order_by("due_date", "id")


def instrument_get(*, instrument_id: int) -> Instrument | None:
    """One instrument of the current schema (None when there is none with that id)."""
    return Instrument.objects.select_related("customer").filter(pk=instrument_id).first()


def customer_instruments(*, customer_id: int, limit: int = 20) -> list[Instrument]:
    """A customer's instruments for the card: open ones (due, bounced) first, then the
    latest settled ones."""
    settled = Case(
        When(state__in=(Instrument.State.DUE, Instrument.State.BOUNCED), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        Instrument.objects.filter(customer_id=customer_id)
        .annotate(settled=settled)
        .order_by("settled", "due_date", "id")[:limit]
    )


def today_in_tehran() -> dt.date:
    return timezone.localtime(timezone.now(), tehran()).date()


def instrument_figures(*, today: dt.date | None = None) -> dict[str, object]:
    """How many instruments fall due in the next ``DUE_SOON_DAYS`` days and their total, and
    how many cheques are bounced now (one query)."""
    today = today or today_in_tehran()
    soon = Q(state=Instrument.State.DUE, due_date__gte=today) & Q(
        due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    )
    bounced = Q(state=Instrument.State.BOUNCED)
    return Instrument.objects.aggregate(
        due_soon=Count("id", filter=soon),
        due_soon_amount=Sum("amount", filter=soon),
        bounced=Count("id", filter=bounced),
        bounced_amount=Sum("amount", filter=bounced),
    )

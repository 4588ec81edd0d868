"""Reads for issuance: an agency's sales in its panel, the virtual branch's queue and the
sales record (S-2.5, S-5.1, §9). Agency filters are written here and nowhere else."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Q, QuerySet

from core.jalali import tehran
from core.keyset import KeysetPage, keyset_page
from core.text import normalize_identifier, search_filter
from policies.models import Order, OrderDocument, SalesEvent

State = Order.State


def _virtual_branch() -> Q:
    """Where the virtual branch issues: main-site orders that no agency took, and the orders
    of agencies without issuing rights or not active (suspended or pending) — as
    ``issuer_kind``. Written on the order's own column (the agencies that do not issue are a
    small set read once), so that a queue walks its partial index in order and its count
    reads that index alone, instead of joining every order to its agency first."""
    from tenants.models import Agency

    not_issuing = Agency.objects.filter(Q(can_issue=False) | ~Q(status="active")).values("pk")
    return Q(agency__isnull=True) | Q(agency_id__in=not_issuing)


_ORDER_RELATED = ("line", "customer", "agency", "policy")


def agency_orders(
    *,
    agency: Any,
    state: str | None = None,
    line_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    search: str | None = None,
) -> QuerySet[Order]:
    """The agency's orders past the draft stage, newest first, narrowed by state, line,
    order date (whole Tehran days, both included) and an order or policy number."""
    orders = (
        Order.objects.filter(agency=agency)
        .exclude(state=State.DRAFT)
        .select_related(*_ORDER_RELATED)
        .order_by("-created_at", "-id")
    )
    if state:
        orders = orders.filter(state=state)
    if line_id:
        orders = orders.filter(line_id=line_id)
    if date_from is not None:
        orders = orders.filter(created_at__gte=_tehran_midnight(date_from))
    if date_to is not None:
        orders = orders.filter(created_at__lt=_tehran_midnight(date_to + dt.timedelta(days=1)))
    if search:
        text = normalize_identifier(search)
        pk = _order_pk(text)
        match = Q(policy__number=text)
        if pk is not None:
            match |= Q(pk=pk)
        orders = orders.filter(match)
    return orders


def agency_order_get(*, agency: Any, public_id: uuid.UUID | str) -> Order | None:
    """One of the agency's orders with what its page shows, or ``None`` for any other."""
    return (
        Order.objects.filter(agency=agency, public_id=public_id)
        .select_related(*_ORDER_RELATED, "tariff_version")
        .prefetch_related("documents", "payments")
        .first()
    )


def agency_order_document_get(
    *, agency: Any, public_id: uuid.UUID | str, document_id: int
) -> OrderDocument | None:
    """A document of one of the agency's orders; another agency's is ``None``."""
    return OrderDocument.objects.filter(
        pk=document_id, order__public_id=public_id, order__agency=agency
    ).first()


def issuance_queue() -> QuerySet[Order]:
    """Paid orders the virtual branch must issue, oldest payment first (the partial index
    ``order_paid_queue``; read a page at a time by ``core.keyset`` on ``paid_at``)."""
    return (
        Order.objects.filter(_virtual_branch(), state=State.PAID, awaiting_agency=False)
        .select_related(*_ORDER_RELATED)
        .order_by("paid_at", "id")
    )


def virtual_branch_orders(*, state: str | None = None) -> QuerySet[Order]:
    """The virtual branch's orders in one state: ``paid`` is the queue, ``rejected`` shows
    the refunds due, ``issued`` what it issued (newest first)."""
    if state in (None, "", State.PAID):
        return issuance_queue()
    return (
        Order.objects.filter(_virtual_branch(), state=state)
        .select_related(*_ORDER_RELATED)
        .order_by("-closed_at", "-id")
    )


def order_get_for_insurer(*, public_id: uuid.UUID | str) -> Order | None:
    """Any order, for the insurer's own staff (the ledger is theirs)."""
    return (
        Order.objects.filter(public_id=public_id)
        .exclude(state=State.DRAFT)
        .select_related(*_ORDER_RELATED, "tariff_version")
        .prefetch_related("documents", "payments")
        .first()
    )


def order_document_get_for_insurer(
    *, public_id: uuid.UUID | str, document_id: int
) -> OrderDocument | None:
    return OrderDocument.objects.filter(pk=document_id, order__public_id=public_id).first()


def order_timeline(*, order: Order) -> QuerySet[SalesEvent]:
    """Every recorded step of one order, oldest first."""
    return (
        SalesEvent.objects.filter(order=order)
        .select_related("actor", "agency")
        .order_by("created_at", "id")
    )


def _order_pk(number: str) -> int | None:
    digits = normalize_identifier(number)
    return int(digits) if digits.isdigit() else None


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


def sales_events(
    *,
    event: str | None = None,
    agency_code: int | None = None,
    order_number: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[SalesEvent]:
    """The sales record, newest first (read a page at a time by ``core.keyset``: all of it by
    the index on ``created_at``, one event's or agency's by ``sales_event_kind`` /
    ``sales_event_agency``); dates are whole days in Tehran, both included."""
    events = SalesEvent.objects.select_related("order", "agency", "actor").order_by(
        "-created_at", "-id"
    )
    if event:
        events = events.filter(event=event)
    if agency_code is not None:
        from tenants.models import Agency

        agency_id = Agency.objects.filter(code=agency_code).order_by().values("pk")[:1]
        events = events.filter(agency_id=agency_id)
    if order_number:
        pk = _order_pk(order_number)
        events = events.filter(order_id=pk) if pk is not None else events.none()
    if date_from is not None:
        events = events.filter(created_at__gte=_tehran_midnight(date_from))
    if date_to is not None:
        events = events.filter(created_at__lt=_tehran_midnight(date_to + dt.timedelta(days=1)))
    return events


def _agency_customer_ids(*, agency: Any, search: str | None = None) -> QuerySet:
    """The ids of the agency's customers (signed up on its site, or an order past the draft
    there), newest sign-up first. Read through the index ``order_agency_customer`` (the
    agency's buyers, without visiting an order) and the users' primary key."""
    from django.contrib.auth import get_user_model

    buyers = Order.objects.filter(agency=agency).exclude(state=State.DRAFT).values("customer_id")
    people = get_user_model().objects.filter(Q(signup_agency=agency) | Q(pk__in=buyers))
    # Every word in the name or the mobile, whatever its spelling: "علي رضايي", "رضایی علی"
    # and "۰۹۱۲" find علی رضایی 0912…, "علیرضا" finds علی رضا (core.text, decision 020).
    return people.filter(search_filter(search, "search_key")).order_by("-date_joined", "-id")


class AgencyCustomers:
    """The agency's customers a page at a time: the page's ids are picked first (keyset, after
    the last person shown, by sign-up time), then only those people are read with how many
    orders and policies they have at this agency (and no other). Nothing is counted, and the
    thousandth page costs what the first costs (two queries)."""

    def __init__(self, *, agency: Any, search: str | None = None) -> None:
        self.agency = agency
        self.search = search
        self._ids = _agency_customer_ids(agency=agency, search=search)

    def page(self, *, cursor: str | None, size: int) -> KeysetPage:
        ids = keyset_page(
            self._ids.only("id", "date_joined"), field="date_joined", cursor=cursor, size=size
        )
        return KeysetPage(
            rows=self.people([person.pk for person in ids.rows]),
            next_cursor=ids.next_cursor,
            first=ids.first,
        )

    def people(self, ids: list[int]) -> list:
        """These people (the agency's, in this order) with their counts at the agency."""
        from django.contrib.auth import get_user_model
        from django.db.models import Count

        if not ids:
            return []
        at_agency = Q(orders__agency=self.agency) & ~Q(orders__state=State.DRAFT)
        people = (
            get_user_model()
            .objects.filter(pk__in=ids)
            .annotate(
                order_count=Count("orders", filter=at_agency, distinct=True),
                policy_count=Count(
                    "policies", filter=Q(policies__agency=self.agency), distinct=True
                ),
            )
        )
        by_id = {person.pk: person for person in people}
        return [by_id[pk] for pk in ids if pk in by_id]


def agency_customers(*, agency: Any, search: str | None = None) -> AgencyCustomers:
    """People who signed up on the agency's site or bought from it, newest first, with how
    many orders and policies they have at this agency (and no other)."""
    return AgencyCustomers(agency=agency, search=search)


def agency_customer_get(*, agency: Any, customer_id: int) -> Any:
    """One of the agency's customers, or ``None`` for anyone else."""
    found = AgencyCustomers(agency=agency).people(
        list(
            _agency_customer_ids(agency=agency).filter(pk=customer_id).values_list("pk", flat=True)
        )
    )
    return found[0] if found else None

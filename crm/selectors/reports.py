"""The CRM's reports (S-6.8, seed 001): each one a selector returning a ``Listing`` (the
driving rows, their order and how to read the report's rows for some of them: a page picks
its keys from an index, decision 062) or, for the totals per region, a queryset of rows
(dicts), built in set-based queries of the agency's schema; an export streams ``all()``
with ``.iterator()``. Names of public rows (lines) are read a page at a
time by the caller (``crm.selectors.names``); nothing here leaves the schema.

Every selector takes its filters as keyword arguments and ``today`` (the Tehran day the
report is taken on), so a test or an export pins the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.jalali import tehran
from crm.models import (
    BookPolicy,
    Complaint,
    CustomerPhone,
    CustomerRank,
    CustomerStanding,
    Region,
)
from crm.selectors.customers import customers_live

# The customer's columns every customer report carries.
CUSTOMER_FIELDS = ("id", "party", "first_name", "last_name", "company_name", "mobile")
# The same, reached from a policy of the book.
POLICY_CUSTOMER_FIELDS = tuple(f"customer__{name}" for name in CUSTOMER_FIELDS)
POLICY_FIELDS = (
    "id",
    "origin",
    "insurer_code",
    "insurer_name",
    "line_code",
    "number",
    "issued_on",
    "start_date",
    "end_date",
    "premium",
    "state",
    "state_changed_at",
    "customer_id",
    "marketer__first_name",
    "marketer__last_name",
    "renewed_by__number",
    *POLICY_CUSTOMER_FIELDS,
)
# Complaints the customer is still unhappy about: not dealt with yet, or not upheld.
UNSETTLED_COMPLAINTS = (
    Complaint.State.OPEN,
    Complaint.State.REFERRED,
    Complaint.State.REJECTED,
)
NOT_RENEWED_STATES = (BookPolicy.State.ACTIVE, BookPolicy.State.EXPIRED)


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


@dataclass(frozen=True)
class Key:
    """One column of a list's order. ``nullable`` keys sort their empty values last."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order(self) -> OrderBy:
        column = F(self.field)
        if self.nullable:
            return column.desc(nulls_last=True) if self.descending else column.asc(nulls_last=True)
        return column.desc() if self.descending else column.asc()


@dataclass(frozen=True)
class Listing:
    """A report that lists rows (decision 062): ``keys`` is the driving table with the
    report's filters and nothing joined, ``order`` its order (the last key unique), and
    ``rows`` the report's rows (dicts) for a queryset of that table, in the same order. A
    page picks its keys from an index first and then reads the rows of those keys only; an
    export or an audience reads ``all()``."""

    keys: QuerySet[Any]
    order: tuple[Key, ...]
    rows: Callable[[QuerySet[Any]], QuerySet[Any]]

    def order_by(self) -> list[OrderBy]:
        return [key.order() for key in self.order]

    def rows_of(self, picked: list[Any]) -> QuerySet[Any]:
        """The rows of the keys ``picked`` (values of the last key), in the list's order."""
        unique = self.order[-1].field
        return self.rows(self.keys.model.objects.filter(**{f"{unique}__in": picked}))

    def all(self) -> QuerySet[Any]:
        return self.rows(self.keys)


# ---- customers --------------------------------------------------------------------------


def _loyal_rows(standings: QuerySet[Any]) -> QuerySet[Any]:
    return (
        customers_live()
        .filter(pk__in=standings.values("customer_id"))
        .values(
            *CUSTOMER_FIELDS,
            "region__name",
            "rank__band",
            renewals=F("standing__renewals"),
            policies=F("standing__policies"),
            premium=F("standing__premium"),
            since=F("standing__since"),
        )
        .order_by(F("standing__renewals").desc(), F("standing__since").asc(nulls_last=True), "id")
    )


def loyal_customers(*, today: dt.date, min_renewals: int = 2, min_years: int = 0) -> Listing:
    """Customers who stay (seed 001, "loyal"): at least ``min_renewals`` of their policies
    renewed, a customer of the agency for at least ``min_years`` years (from their first
    policy's start), and never a complaint nor a displeased answer to a gift. Most renewals
    first. Read from each customer's standing (``CustomerStanding``), which the database
    keeps equal to the live figures."""
    standings = CustomerStanding.objects.filter(
        customer__merged_into__isnull=True,
        complaints=0,
        displeased_gifts=0,
        renewals__gte=min_renewals,
    )
    if min_years > 0:
        try:
            latest_start = today.replace(year=today.year - min_years)
        except ValueError:  # 29 February
            latest_start = today.replace(year=today.year - min_years, day=28)
        standings = standings.filter(since__lte=latest_start)
    return Listing(
        keys=standings,
        order=(
            Key("renewals", descending=True),
            Key("since", nullable=True),
            Key("customer_id"),
        ),
        rows=_loyal_rows,
    )


def _unhappy_rows(standings: QuerySet[Any]) -> QuerySet[Any]:
    latest = Complaint.objects.filter(
        state__in=UNSETTLED_COMPLAINTS, customer_id=OuterRef("pk")
    ).order_by("-received_at", "-id")
    return (
        customers_live()
        .filter(pk__in=standings.values("customer_id"))
        .values(
            *CUSTOMER_FIELDS,
            "region__name",
            unsettled_complaints=F("standing__unsettled_complaints"),
            displeased_gifts=F("standing__displeased_gifts"),
            last_complaint_at=F("standing__last_unsettled_at"),
            last_complaint_subject=Subquery(latest.values("subject")[:1]),
        )
        .order_by(
            F("standing__unsettled_complaints").desc(),
            F("standing__last_unsettled_at").desc(nulls_last=True),
            "id",
        )
    )


def unhappy_customers() -> Listing:
    """Customers who are unhappy (seed 001): a complaint received and not resolved (open,
    referred, or not upheld), or a gift they were displeased with. Most unsettled
    complaints first, then the latest complaint."""
    return Listing(
        keys=CustomerStanding.objects.filter(customer__merged_into__isnull=True).filter(
            Q(unsettled_complaints__gt=0) | Q(displeased_gifts__gt=0)
        ),
        order=(
            Key("unsettled_complaints", descending=True),
            Key("last_unsettled_at", descending=True, nullable=True),
            Key("customer_id"),
        ),
        rows=_unhappy_rows,
    )


def _ranked_rows(ranks: QuerySet[Any]) -> QuerySet[Any]:
    return ranks.values(
        *(f"customer__{name}" for name in CUSTOMER_FIELDS),
        "customer__region__name",
        "band",
        "score",
        "premium_paid",
        "purchase_count",
        "claims_paid",
        "loss_ratio",
        "bounced_cheques",
    ).order_by("-score", "customer_id")


def ranked_customers(*, band: str | None = None) -> Listing:
    """Customers by their rank as last computed (ranking), best score first; ``band`` keeps
    one band."""
    ranks = CustomerRank.objects.filter(customer__merged_into__isnull=True)
    if band:
        ranks = ranks.filter(band=band)
    return Listing(
        keys=ranks,
        order=(Key("score", descending=True), Key("customer_id")),
        rows=_ranked_rows,
    )


# ---- the book -----------------------------------------------------------------------------

BY_EXPIRY = (Key("end_date"), Key("id"))


def _book_listing(policies: QuerySet[Any], order: tuple[Key, ...] = BY_EXPIRY) -> Listing:
    ordering = [key.order() for key in order]
    return Listing(
        keys=policies,
        order=order,
        rows=lambda chosen: chosen.values(*POLICY_FIELDS).order_by(*ordering),
    )


def policies_not_expired(*, first: dt.date, last: dt.date, today: dt.date) -> Listing:
    """Policies in force (not expired by ``today``) whose expiry falls in the period."""
    return _book_listing(
        BookPolicy.objects.filter(
            state=BookPolicy.State.ACTIVE, end_date__gte=max(first, today), end_date__lte=last
        )
    )


def _not_renewed() -> QuerySet[Any]:
    """Policies neither renewed nor cancelled (index ``crm_book_report_unrenewed``)."""
    return BookPolicy.objects.filter(renewed_by__isnull=True, state__in=NOT_RENEWED_STATES)


def policies_not_renewed(*, first: dt.date, last: dt.date, today: dt.date) -> Listing:
    """Policies that expired in the period (before ``today``) and were not renewed (nor
    cancelled)."""
    return _book_listing(
        _not_renewed().filter(
            end_date__gte=first, end_date__lte=min(last, today - dt.timedelta(days=1))
        )
    )


def policies_renewed(*, first: dt.date, last: dt.date, today: dt.date) -> Listing:
    """Policies whose expiry falls in the period and that were renewed."""
    return _book_listing(
        BookPolicy.objects.filter(
            Q(renewed_by__isnull=False) | Q(state=BookPolicy.State.RENEWED),
            end_date__gte=first,
            end_date__lte=last,
        )
    )


def policies_cancelled(*, first: dt.date, last: dt.date, today: dt.date) -> Listing:
    """Policies cancelled in the period (by the Tehran day of the cancellation)."""
    return _book_listing(
        BookPolicy.objects.filter(
            state=BookPolicy.State.CANCELLED,
            state_changed_at__gte=_tehran_midnight(first),
            state_changed_at__lt=_tehran_midnight(last + dt.timedelta(days=1)),
        ),
        (Key("state_changed_at"), Key("id")),
    )


def best_selling_lines(*, first: dt.date, last: dt.date, region_id: int | None = None):
    """The agency's own sales (policies sold here, not cancelled) started in the period, per
    region of the customer and line: most sold first within each region; customers with no
    region come last. One row per region and line: the whole list is one statement."""
    rows = BookPolicy.objects.filter(
        origin=BookPolicy.Origin.LEDGER, start_date__gte=first, start_date__lte=last
    ).exclude(state=BookPolicy.State.CANCELLED)
    if region_id:
        rows = rows.filter(customer__region_id=region_id)
    return (
        rows.values("customer__region_id", "customer__region__name", "line_code")
        .annotate(
            # COUNT(*), not of ids: the sales are read from ``crm_book_report_sales`` alone.
            policies=Count("*"),
            customers=Count("customer_id", distinct=True),
            premium=Coalesce(
                Sum("premium"), Value(0), output_field=BookPolicy._meta.get_field("premium")
            ),
        )
        .order_by(
            F("customer__region__name").asc(nulls_last=True),
            "customer__region_id",
            "-policies",
            "-premium",
            "line_code",
        )
    )


def other_insurers_expiring(*, today: dt.date, days: int = 30) -> Listing:
    """Policies customers hold with other insurers, in force and expiring within ``days``
    days from ``today`` (seed 001: chase them before they renew elsewhere). Soonest first."""
    return _book_listing(
        BookPolicy.objects.filter(
            origin=BookPolicy.Origin.OTHER,
            state=BookPolicy.State.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + dt.timedelta(days=days),
        )
    )


def _phone_of(customer: str) -> Subquery:
    """The customer's first number that is not a mobile (primary first), for printed lists."""
    return Subquery(
        CustomerPhone.objects.filter(customer_id=OuterRef(customer))
        .exclude(kind=CustomerPhone.Kind.MOBILE)
        .order_by("-is_primary", "id")
        .values("number")[:1]
    )


BY_ISSUER = (
    Key("origin"),
    Key("insurer_code"),
    Key("insurer_name"),
    Key("line_code"),
    Key("end_date"),
    Key("id"),
)


def unrenewed_since_expiry(*, today: dt.date, days: int = 5) -> Listing:
    """Seed 001's sample report "unrenewed policies, N days from expiry": policies that
    expired in the last ``days`` days up to ``today`` and are neither renewed nor cancelled,
    grouped by who issued them (the agency's own sales first, then each other insurer),
    then by line, each group by expiry date."""
    ordering = [key.order() for key in BY_ISSUER]
    return Listing(
        keys=_not_renewed().filter(
            end_date__gte=today - dt.timedelta(days=days), end_date__lte=today
        ),
        order=BY_ISSUER,
        rows=lambda chosen: (
            chosen.annotate(customer_phone=_phone_of("customer_id"))
            .values(*POLICY_FIELDS, "customer_phone")
            .order_by(*ordering)
        ),
    )


def region_choices() -> list[tuple[int, str]]:
    """The agency's regions for a filter, by name."""
    return list(Region.objects.order_by("name", "id").values_list("id", "name"))

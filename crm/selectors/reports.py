"""The CRM's reports (S-6.8, seed 001): each one a selector returning a queryset of rows
(dicts), built in one set-based query of the agency's schema, so a page is a ``LIMIT`` and
an export streams it with ``.iterator()``. Names of public rows (lines) are read a page at a
time by the caller (``crm.selectors.names``); nothing here leaves the schema.

Every selector takes its filters as keyword arguments and ``today`` (the Tehran day the
report is taken on), so a test or an export pins the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from core.jalali import tehran
from crm.models import BookPolicy, Complaint, CustomerPhone, CustomerRank, Gift, Region
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


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of ``queryset`` (correlated on ``customer_id``) as a subquery."""
    counted = (
        queryset.filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


# ---- customers --------------------------------------------------------------------------


def loyal_customers(*, today: dt.date, min_renewals: int = 2, min_years: int = 0) -> QuerySet[Any]:
    """Customers who stay (seed 001, "loyal"): at least ``min_renewals`` of their policies
    renewed, a customer of the agency for at least ``min_years`` years (from their first
    policy's start), and never a complaint nor a displeased answer to a gift. Most renewals
    first."""
    customers = (
        customers_live()
        .filter(
            ~Exists(Complaint.objects.filter(customer_id=OuterRef("pk"))),
            ~Exists(
                Gift.objects.filter(customer_id=OuterRef("pk"), response=Gift.Response.NEGATIVE)
            ),
        )
        .values(*CUSTOMER_FIELDS, "region__name", "rank__band")
        .annotate(
            renewals=Count(
                "book",
                filter=Q(book__renewed_by__isnull=False) | Q(book__state=BookPolicy.State.RENEWED),
            ),
            policies=Count("book", filter=~Q(book__state=BookPolicy.State.CANCELLED)),
            premium=Coalesce(
                Sum("book__premium", filter=~Q(book__state=BookPolicy.State.CANCELLED)),
                Value(0),
                output_field=BookPolicy._meta.get_field("premium"),
            ),
            since=Min("book__start_date"),
        )
        .filter(renewals__gte=min_renewals)
    )
    if min_years > 0:
        try:
            latest_start = today.replace(year=today.year - min_years)
        except ValueError:  # 29 February
            latest_start = today.replace(year=today.year - min_years, day=28)
        customers = customers.filter(since__lte=latest_start)
    return customers.order_by("-renewals", "since", "id")


def unhappy_customers() -> QuerySet[Any]:
    """Customers who are unhappy (seed 001): a complaint received and not resolved (open,
    referred, or not upheld), or a gift they were displeased with. Most unsettled
    complaints first, then the latest complaint."""
    unsettled = Complaint.objects.filter(state__in=UNSETTLED_COMPLAINTS)
    latest = unsettled.filter(customer_id=OuterRef("pk")).order_by("-received_at", "-id")
    return (
        customers_live()
        .annotate(
            unsettled_complaints=_count(unsettled),
            displeased_gifts=_count(Gift.objects.filter(response=Gift.Response.NEGATIVE)),
            last_complaint_at=Subquery(latest.values("received_at")[:1]),
            last_complaint_subject=Subquery(latest.values("subject")[:1]),
        )
        .filter(Q(unsettled_complaints__gt=0) | Q(displeased_gifts__gt=0))
        .values(
            *CUSTOMER_FIELDS,
            "region__name",
            "unsettled_complaints",
            "displeased_gifts",
            "last_complaint_at",
            "last_complaint_subject",
        )
        .order_by("-unsettled_complaints", F("last_complaint_at").desc(nulls_last=True), "id")
    )


def ranked_customers(*, band: str | None = None) -> QuerySet[Any]:
    """Customers by their rank as last computed (ranking), best score first; ``band`` keeps
    one band."""
    ranks = CustomerRank.objects.filter(customer__merged_into__isnull=True)
    if band:
        ranks = ranks.filter(band=band)
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


# ---- the book -----------------------------------------------------------------------------


def _book_rows() -> QuerySet[Any]:
    return BookPolicy.objects.values(*POLICY_FIELDS)


def policies_not_expired(*, first: dt.date, last: dt.date, today: dt.date) -> QuerySet[Any]:
    """Policies in force (not expired by ``today``) whose expiry falls in the period."""
    return (
        _book_rows()
        .filter(state=BookPolicy.State.ACTIVE, end_date__gte=max(first, today))
        .filter(end_date__lte=last)
        .order_by("end_date", "id")
    )


def policies_not_renewed(*, first: dt.date, last: dt.date, today: dt.date) -> QuerySet[Any]:
    """Policies that expired in the period (before ``today``) and were not renewed (nor
    cancelled)."""
    return (
        _book_rows()
        .filter(renewed_by__isnull=True, state__in=NOT_RENEWED_STATES)
        .filter(end_date__gte=first, end_date__lte=min(last, today - dt.timedelta(days=1)))
        .order_by("end_date", "id")
    )


def policies_renewed(*, first: dt.date, last: dt.date, today: dt.date) -> QuerySet[Any]:
    """Policies whose expiry falls in the period and that were renewed."""
    return (
        _book_rows()
        .filter(Q(renewed_by__isnull=False) | Q(state=BookPolicy.State.RENEWED))
        .filter(end_date__gte=first, end_date__lte=last)
        .order_by("end_date", "id")
    )


def policies_cancelled(*, first: dt.date, last: dt.date, today: dt.date) -> QuerySet[Any]:
    """Policies cancelled in the period (by the Tehran day of the cancellation)."""
    return (
        _book_rows()
        .filter(state=BookPolicy.State.CANCELLED)
        .filter(
            state_changed_at__gte=_tehran_midnight(first),
            state_changed_at__lt=_tehran_midnight(last + dt.timedelta(days=1)),
        )
        .order_by("state_changed_at", "id")
    )


def best_selling_lines(*, first: dt.date, last: dt.date, region_id: int | None = None):
    """The agency's own sales (policies sold here, not cancelled) started in the period, per
    region of the customer and line: most sold first within each region; customers with no
    region come last."""
    rows = BookPolicy.objects.filter(
        origin=BookPolicy.Origin.LEDGER, start_date__gte=first, start_date__lte=last
    ).exclude(state=BookPolicy.State.CANCELLED)
    if region_id:
        rows = rows.filter(customer__region_id=region_id)
    return (
        rows.values("customer__region_id", "customer__region__name", "line_code")
        .annotate(
            policies=Count("id"),
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


def other_insurers_expiring(*, today: dt.date, days: int = 30) -> QuerySet[Any]:
    """Policies customers hold with other insurers, in force and expiring within ``days``
    days from ``today`` (seed 001: chase them before they renew elsewhere). Soonest first."""
    return (
        _book_rows()
        .filter(origin=BookPolicy.Origin.OTHER, state=BookPolicy.State.ACTIVE)
        .filter(end_date__gte=today, end_date__lte=today + dt.timedelta(days=days))
        .order_by("end_date", "id")
    )


def _phone_of(customer: str) -> Subquery:
    """The customer's first number that is not a mobile (primary first), for printed lists."""
    return Subquery(
        CustomerPhone.objects.filter(customer_id=OuterRef(customer))
        .exclude(kind=CustomerPhone.Kind.MOBILE)
        .order_by("-is_primary", "id")
        .values("number")[:1]
    )


def unrenewed_since_expiry(*, today: dt.date, days: int = 5) -> QuerySet[Any]:
    """Seed 001's sample report "unrenewed policies, N days from expiry": policies that
    expired in the last ``days`` days up to ``today`` and are neither renewed nor cancelled,
    grouped by who issued them (the agency's own sales first, then each other insurer),
    then by line, each group by expiry date."""
    return (
        BookPolicy.objects.filter(renewed_by__isnull=True, state__in=NOT_RENEWED_STATES)
        .filter(end_date__gte=today - dt.timedelta(days=days), end_date__lte=today)
        .annotate(customer_phone=_phone_of("customer_id"))
        .values(*POLICY_FIELDS, "customer_phone")
        .order_by("origin", "insurer_code", "insurer_name", "line_code", "end_date", "id")
    )


def region_choices() -> list[tuple[int, str]]:
    """The agency's regions for a filter, by name."""
    return list(Region.objects.order_by("name", "id").values_list("id", "name"))

"""Reads of SMS credit for the panel, the dashboard and the ops host (decision 040).

Usage figures come from the ledger (``SmsCreditEntry``): each charge and refund carries the
messages and parts it paid for, so a month of an agency is a few rows on the index
``(agency_id, created_at)``, whatever number of messages it sent. Only the delivery counts of
one agency's report read its messages (``SmsMessage``), on their ``(agency_id, created_at)``
index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import jdatetime
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.jalali import tehran
from core.models import SmsAccount, SmsCreditEntry, SmsMessage
from core.money import RialField
from core.sms.parts import Line, sms_part_price
from core.text import SearchKey, search_filter

CHARGE = SmsCreditEntry.Kind.CHARGE
REFUND = SmsCreditEntry.Kind.REFUND
TOP_UPS = (SmsCreditEntry.Kind.TOP_UP, SmsCreditEntry.Kind.PAYMENT)
# The credit is low below what this many parts on the service line cost.
LOW_CREDIT_PARTS = 100


@dataclass(frozen=True)
class Month:
    """A Jalali month and its bounds in Tehran time (aware; ``end`` exclusive)."""

    year: int
    month: int
    start: dt.datetime
    end: dt.datetime

    @property
    def key(self) -> str:
        return f"{self.year:04d}/{self.month:02d}"


def jalali_month(year: int, month: int) -> Month:
    first = jdatetime.date(year, month, 1).togregorian()
    following = (
        jdatetime.date(year + 1, 1, 1) if month == 12 else jdatetime.date(year, month + 1, 1)
    ).togregorian()
    zone = tehran()
    return Month(
        year,
        month,
        dt.datetime.combine(first, dt.time.min, tzinfo=zone),
        dt.datetime.combine(following, dt.time.min, tzinfo=zone),
    )


def this_month(now: dt.datetime | None = None) -> Month:
    today = jdatetime.date.fromgregorian(
        date=timezone.localtime(now or timezone.now(), tehran()).date()
    )
    return jalali_month(today.year, today.month)


def _usage_sums(prefix: str = "") -> dict[str, Any]:
    """Messages, parts and cost of charges less refunds (annotations on ledger rows)."""
    signed = Case(When(kind=REFUND, then=Value(-1)), default=Value(1), output_field=IntegerField())
    used = Q(**{f"{prefix}kind__in": (CHARGE, REFUND)})
    return {
        "messages": Coalesce(Sum(F(f"{prefix}messages") * signed, filter=used), 0),
        "parts": Coalesce(Sum(F(f"{prefix}parts") * signed, filter=used), 0),
        "cost": Coalesce(
            -Sum(f"{prefix}amount", filter=used), Decimal(0), output_field=RialField()
        ),
    }


def month_usage(*, agency_id: int, month: Month) -> dict[str, Any]:
    """Messages and parts paid for in ``month`` (refunds deducted) and their cost."""
    return SmsCreditEntry.objects.filter(
        agency_id=agency_id, created_at__gte=month.start, created_at__lt=month.end
    ).aggregate(**_usage_sums())


def credit_summary(*, agency_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """The balance, this month's usage and whether the credit is low (two queries)."""
    month = this_month(now)
    balance = (
        SmsAccount.objects.filter(agency_id=agency_id).values_list("balance", flat=True).first()
    )
    balance = balance if balance is not None else Decimal(0)
    low_below = sms_part_price(Line.SERVICE) * LOW_CREDIT_PARTS
    return {
        "balance": balance,
        "month": month,
        "usage": month_usage(agency_id=agency_id, month=month),
        "low": balance < low_below,
        "low_below": low_below,
    }


def part_prices() -> list[tuple[str, Decimal]]:
    """What one part costs on each line, as (line's label, rials)."""
    return [(str(label), sms_part_price(value)) for value, label in Line.choices]


def ledger_list(
    *,
    agency_id: int,
    kind: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[SmsCreditEntry]:
    """The agency's ledger, newest first, narrowed by kind and Tehran dates (inclusive)."""
    entries = SmsCreditEntry.objects.filter(agency_id=agency_id)
    if kind:
        entries = entries.filter(kind=kind)
    zone = tehran()
    if date_from:
        entries = entries.filter(created_at__gte=dt.datetime.combine(date_from, dt.time.min, zone))
    if date_to:
        entries = entries.filter(
            created_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, zone)
        )
    return entries.order_by("-created_at", "-id")


# ---- the ops host ---------------------------------------------------------------------------

SORTS = {
    "code": ("code",),
    "balance": ("balance", "code"),
    "-balance": ("-balance", "code"),
}


def ops_agencies(*, query: str = "", sort: str = "code") -> QuerySet[Any]:
    """Agencies with their credit (for one page of the ops list; the usage of the page's
    agencies comes from :func:`ops_usage_of`)."""
    from tenants.models import Agency

    balance = SmsAccount.objects.filter(agency_id=OuterRef("pk")).values("balance")[:1]
    agencies = Agency.objects.annotate(
        balance=Coalesce(Subquery(balance, output_field=RialField()), Decimal(0))
    )
    if query:
        agencies = agencies.filter(search_filter(query, SearchKey("code", "name", "city")))
    return agencies.only("pk", "code", "name", "city", "status").order_by(
        *SORTS.get(sort, SORTS["code"])
    )


def ops_usage_of(*, agency_ids: list[int], month: Month) -> dict[int, dict[str, Any]]:
    """Each agency's usage in ``month`` and its last top-up (two queries for a page)."""
    usage: dict[int, dict[str, Any]] = {
        row["agency_id"]: row  # type: ignore[misc]
        for row in SmsCreditEntry.objects.filter(
            agency_id__in=agency_ids,
            created_at__gte=month.start,
            created_at__lt=month.end,
            kind__in=(CHARGE, REFUND),
        )
        .order_by()
        .values("agency_id")
        .annotate(**_usage_sums())
    }
    last = (
        SmsCreditEntry.objects.filter(agency_id__in=agency_ids, kind__in=TOP_UPS)
        .order_by("agency_id", "-created_at", "-id")
        .distinct("agency_id")
        .values("agency_id", "created_at", "amount", "kind")
    )
    for row in last:
        usage.setdefault(row["agency_id"], {})["last_top_up"] = row
    return usage


def agency_year_usage(*, agency_id: int, year: int) -> list[dict[str, Any]]:
    """The agency's usage in each month of Jalali ``year``: messages, parts and cost from
    the ledger; delivered, failed and blocked counts from its messages (two queries)."""
    months = [jalali_month(year, month) for month in range(1, 13)]
    bucket = Case(
        *[When(created_at__gte=m.start, created_at__lt=m.end, then=Value(m.month)) for m in months],
        output_field=IntegerField(),
    )
    in_year = {
        "agency_id": agency_id,
        "created_at__gte": months[0].start,
        "created_at__lt": months[-1].end,
    }
    spent = {
        row["month"]: row
        for row in SmsCreditEntry.objects.filter(**in_year, kind__in=(CHARGE, REFUND))
        .order_by()
        .annotate(month=bucket)
        .values("month")
        .annotate(**_usage_sums())
    }
    Status = SmsMessage.Status
    outcomes = {
        row["month"]: row
        for row in SmsMessage.objects.filter(**in_year)
        .order_by()
        .annotate(month=bucket)
        .values("month")
        .annotate(
            delivered=Count("id", filter=Q(status=Status.DELIVERED)),
            failed=Count("id", filter=Q(status__in=(Status.FAILED, Status.UNDELIVERED))),
            blocked=Count("id", filter=Q(status=Status.BLACKLISTED)),
        )
    }
    rows = []
    for month in months:
        used: dict[str, Any] = dict(spent.get(month.month, {}))
        done: dict[str, Any] = dict(outcomes.get(month.month, {}))
        rows.append(
            {
                "month": month,
                "messages": used.get("messages", 0),
                "parts": used.get("parts", 0),
                "cost": used.get("cost", Decimal(0)),
                "delivered": done.get("delivered", 0),
                "failed": done.get("failed", 0),
                "blocked": done.get("blocked", 0),
            }
        )
    return rows

"""Which subjects a pattern's event makes due on a day (decision 037).

A message is due on its *trigger day*: the event's date minus the offset for events
counted before (expiry, cheque, activity), plus the offset for the others. A run on day D
takes the subjects whose trigger day is D or up to ``CATCH_UP_DAYS`` earlier (a run missed
for a day or two still sends), never one whose event a "before" message would come after.
Birthdays are only greeted on the day. Subjects already decided are left out by the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.jalali import tehran as _tehran
from core.jalali import to_jalali
from crm.models import Activity, BookPolicy, ClaimRecord, Customer, Instrument
from messaging.patterns.models import BEFORE_EVENTS, Event, SmsPattern

CATCH_UP_DAYS = 2
CHUNK = 1000


@dataclass
class Candidate:
    """One subject's occurrence of the event, with the rows its message needs."""

    kind: str  # policy, cheque, activity, claim, customer
    id: int
    occurrence: str
    customer: Customer
    policy: Any = None
    cheque: Any = None
    activity: Any = None
    claim: Any = None


def _event_dates(pattern: SmsPattern, run_date: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last event dates whose trigger day falls in the run's reach."""
    offset = dt.timedelta(days=pattern.offset_days)
    catch_up = dt.timedelta(days=CATCH_UP_DAYS)
    if pattern.event in BEFORE_EVENTS:
        first, last = run_date - catch_up + offset, run_date + offset
        return max(first, run_date), last  # never after the event
    return run_date - offset - catch_up, run_date - offset


def _renewed_since() -> Exists:
    """A later policy of the same customer and line: renewed, here or elsewhere."""
    return Exists(
        BookPolicy.objects.filter(
            customer_id=OuterRef("customer_id"),
            line_code=OuterRef("line_code"),
            end_date__gt=OuterRef("end_date"),
        ).exclude(state=BookPolicy.State.CANCELLED)
    )


def _policies(pattern: SmsPattern, first: dt.date, last: dt.date) -> QuerySet[BookPolicy]:
    policies = BookPolicy.objects.select_related("customer")
    if pattern.line_code:
        policies = policies.filter(line_code=pattern.line_code)
    event = pattern.event
    if event in (Event.EXPIRY_BEFORE, Event.EXPIRY_AFTER):
        states = (
            [BookPolicy.State.ACTIVE]
            if event == Event.EXPIRY_BEFORE
            else [BookPolicy.State.ACTIVE, BookPolicy.State.EXPIRED]
        )
        return (
            policies.filter(
                end_date__range=(first, last), state__in=states, renewed_by__isnull=True
            )
            .exclude(_renewed_since())
            .order_by("end_date", "id")
        )
    renewals = Exists(BookPolicy.objects.filter(renewed_by=OuterRef("pk")))
    issued = policies.filter(issued_on__range=(first, last)).exclude(
        state=BookPolicy.State.CANCELLED
    )
    if event == Event.RENEWED:
        return issued.filter(renewals).order_by("issued_on", "id")
    return (
        issued.filter(origin=BookPolicy.Origin.LEDGER).exclude(renewals).order_by("issued_on", "id")
    )


def candidates(pattern: SmsPattern, run_date: dt.date) -> Iterator[Candidate]:
    """The subjects due for ``pattern`` on ``run_date`` (decided ones included)."""
    first, last = _event_dates(pattern, run_date)
    event = pattern.event
    if event in (Event.EXPIRY_BEFORE, Event.EXPIRY_AFTER, Event.RENEWED, Event.PURCHASED):
        date_field = (
            "end_date" if event in (Event.EXPIRY_BEFORE, Event.EXPIRY_AFTER) else "issued_on"
        )
        for policy in _policies(pattern, first, last).iterator(CHUNK):
            yield Candidate(
                "policy",
                policy.pk,
                getattr(policy, date_field).isoformat(),
                policy.customer,
                policy=policy,
            )
    elif event == Event.CHEQUE_DUE:
        cheques = (
            Instrument.objects.select_related("customer", "book_policy")
            .filter(due_date__range=(first, last), state=Instrument.State.DUE)
            .order_by("due_date", "id")
        )
        for cheque in cheques.iterator(CHUNK):
            yield Candidate(
                "cheque",
                cheque.pk,
                cheque.due_date.isoformat(),
                cheque.customer,
                policy=cheque.book_policy,
                cheque=cheque,
            )
    elif event == Event.ACTIVITY:
        start = dt.datetime.combine(first, dt.time.min, tzinfo=_tehran())
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=_tehran())
        activities = (
            Activity.objects.select_related("case__customer", "case__book_policy")
            .filter(
                due_at__gte=start,
                due_at__lt=end,
                done_at__isnull=True,
                case__customer__isnull=False,
            )
            .order_by("due_at", "id")
        )
        for activity in activities.iterator(CHUNK):
            customer = activity.case.customer
            if activity.due_at is None or customer is None:
                continue
            yield Candidate(
                "activity",
                activity.pk,
                activity.due_at.astimezone(_tehran()).date().isoformat(),
                customer,
                policy=activity.case.book_policy,
                activity=activity,
            )
    elif event in (Event.CLAIM_FILED, Event.CLAIM_PAID):
        claims = ClaimRecord.objects.select_related("customer", "book_policy")
        if event == Event.CLAIM_FILED:
            claims = claims.filter(filed_at__range=(first, last)).order_by("filed_at", "id")
        else:
            claims = claims.filter(
                Q(state=ClaimRecord.State.PAID), paid_at__range=(first, last)
            ).order_by("paid_at", "id")
        for claim in claims.iterator(CHUNK):
            day = claim.filed_at if event == Event.CLAIM_FILED else claim.paid_at
            if day is None:
                continue
            yield Candidate(
                "claim",
                claim.pk,
                day.isoformat(),
                claim.customer,
                policy=claim.book_policy,
                claim=claim,
            )
    elif event == Event.BIRTHDAY:
        day = run_date + dt.timedelta(days=pattern.offset_days)
        jalali = to_jalali(day)
        month_day = jalali.month * 100 + jalali.day
        customers = Customer.objects.filter(birth_jalali_month_day=month_day).order_by("id")
        for customer in customers.iterator(CHUNK):
            yield Candidate("customer", customer.pk, str(jalali.year), customer)

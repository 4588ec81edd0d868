"""Reads of cases, activities, complaints and the calendar, as a member may see them:
owners and managers everything of their agency, staff what is assigned (or referred) to
them (``membership_sees_all``). Lookups return None for what the member may not see, so a
view answers 404 whether the row is another agency's, someone else's or not there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import jdatetime
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.jalali import tehran
from crm.models import Activity, Attachment, Case, ClaimRecord, Complaint, Gift
from crm.selectors.card import membership_sees_all


def _mine(membership: Any) -> int | None:
    return membership.user_id if membership is not None else None


def cases_visible(*, membership: Any) -> QuerySet[Case]:
    """Staff see the cases assigned to them and those holding an activity assigned to them
    (the calendar and the reminder lead there)."""
    cases = Case.objects.all()
    if not membership_sees_all(membership):
        mine = _mine(membership)
        cases = cases.filter(
            Q(assignee_user_id=mine)
            | Exists(Activity.objects.filter(case=OuterRef("pk"), assignee_user_id=mine))
        )
    return cases


def activities_visible(*, membership: Any) -> QuerySet[Activity]:
    """Staff see the activities assigned to them and those of their cases."""
    activities = Activity.objects.all()
    if not membership_sees_all(membership):
        mine = _mine(membership)
        activities = activities.filter(Q(assignee_user_id=mine) | Q(case__assignee_user_id=mine))
    return activities


def complaints_visible(*, membership: Any) -> QuerySet[Complaint]:
    """Staff see the complaints referred to them or that they took."""
    complaints = Complaint.objects.all()
    if not membership_sees_all(membership):
        mine = _mine(membership)
        complaints = complaints.filter(Q(referred_to_user_id=mine) | Q(created_by_user_id=mine))
    return complaints


@dataclass(frozen=True)
class CaseFilter:
    kind: str = ""
    state: str = ""
    assignee_user_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    mine_only: bool = False
    customer_id: int | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


def case_list(*, membership: Any, filters: CaseFilter) -> QuerySet[Case]:
    """Cases for the list page, newest first, with their customers (one query a page)."""
    cases = cases_visible(membership=membership).select_related("customer")
    if filters.mine_only:
        cases = cases.filter(assignee_user_id=_mine(membership))
    if filters.kind:
        cases = cases.filter(kind=filters.kind)
    if filters.state == "open":
        cases = cases.filter(state__in=Case.OPEN_STATES)
    elif filters.state:
        cases = cases.filter(state=filters.state)
    if filters.assignee_user_id:
        cases = cases.filter(assignee_user_id=filters.assignee_user_id)
    if filters.due_from:
        cases = cases.filter(due_at__gte=_day_start(filters.due_from))
    if filters.due_to:
        cases = cases.filter(due_at__lt=_day_start(filters.due_to + dt.timedelta(days=1)))
    if filters.customer_id:
        cases = cases.filter(customer_id=filters.customer_id)
    return cases.annotate(
        activities_open=Count("activities", filter=Q(activities__done_at__isnull=True))
    ).order_by("-created_at", "-id")


def case_get(*, membership: Any, case_id: int) -> Case | None:
    return (
        cases_visible(membership=membership)
        .select_related("customer", "book_policy")
        .filter(pk=case_id)
        .first()
    )


def case_activities(*, case: Case) -> list[Activity]:
    return list(case.activities.order_by("done_at", "due_at", "id"))


def case_attachments(*, case: Case) -> list[Attachment]:
    return list(Attachment.objects.filter(Q(case=case) | Q(activity__case=case)))


def activity_get(*, membership: Any, activity_id: int) -> Activity | None:
    return (
        activities_visible(membership=membership)
        .select_related("case")
        .filter(pk=activity_id)
        .first()
    )


def attachment_get(*, membership: Any, attachment_id: int) -> Attachment | None:
    """A file the member may open: one of a case they may see (directly or through one of
    its activities), or of a customer (every member sees customers)."""
    attachment = Attachment.objects.select_related("activity").filter(pk=attachment_id).first()
    if attachment is None or membership_sees_all(membership):
        return attachment
    case_id = attachment.case_id or (attachment.activity.case_id if attachment.activity else None)
    if case_id is None:
        return attachment
    if cases_visible(membership=membership).filter(pk=case_id).exists():
        return attachment
    return None


def complaint_list(*, membership: Any, state: str = "") -> QuerySet[Complaint]:
    complaints = complaints_visible(membership=membership).select_related("customer")
    if state == "open":
        complaints = complaints.filter(state__in=(Complaint.State.OPEN, Complaint.State.REFERRED))
    elif state:
        complaints = complaints.filter(state=state)
    return complaints.order_by("-received_at", "-id")


def complaint_get(*, membership: Any, complaint_id: int) -> Complaint | None:
    return (
        complaints_visible(membership=membership)
        .select_related("customer", "book_policy")
        .filter(pk=complaint_id)
        .first()
    )


def claim_get(*, claim_id: int) -> ClaimRecord | None:
    """Claims are the customer's, on the card every member sees."""
    return ClaimRecord.objects.select_related("customer").filter(pk=claim_id).first()


def gift_get(*, gift_id: int) -> Gift | None:
    return Gift.objects.select_related("customer").filter(pk=gift_id).first()


# ---- the member's day: dashboard and badge -----------------------------------------------


def _today_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    today = timezone.localtime(now or timezone.now(), tehran()).date()
    return _day_start(today), _day_start(today + dt.timedelta(days=1))


@dataclass(frozen=True)
class MyDay:
    due_today: int
    overdue: int
    reminders: int  # reminded, not done yet: the in-panel notification


def my_day(*, membership: Any, now: dt.datetime | None = None) -> MyDay:
    """The member's own open activities due today and overdue, and the reminders sent to
    them that are not done yet (one query)."""
    now = now or timezone.now()
    start, end = _today_bounds(now)
    figures = Activity.objects.filter(
        assignee_user_id=_mine(membership),
        done_at__isnull=True,
        case__state__in=Case.OPEN_STATES,
    ).aggregate(
        due_today=Count("id", filter=Q(due_at__gte=now, due_at__lt=end)),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        reminders=Count("id", filter=Q(reminder_sent_at__isnull=False)),
    )
    return MyDay(**figures)


def open_complaints_count(*, membership: Any) -> int:
    return (
        complaints_visible(membership=membership)
        .filter(state__in=(Complaint.State.OPEN, Complaint.State.REFERRED))
        .count()
    )


# ---- the calendar -----------------------------------------------------------------------


@dataclass
class CalendarDay:
    date: dt.date
    jalali: jdatetime.date
    in_month: bool
    today: bool
    activities: list[Activity] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)


@dataclass
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[CalendarDay]]
    previous: tuple[int, int]
    next: tuple[int, int]


def _month_shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def calendar_month(
    *, membership: Any, year: int, month: int, everyone: bool = False
) -> CalendarMonth:
    """A Jalali month as weeks from Saturday, with the member's open activities (by due
    time, or by reminder time when they have no due time) and open cases due, each on its
    Tehran day. ``everyone`` (owners and managers) shows the whole agency's. Two queries."""
    first = jdatetime.date(year, month, 1)
    next_year, next_month = _month_shift(year, month, 1)
    last = jdatetime.date(next_year, next_month, 1) - jdatetime.timedelta(days=1)
    # jdatetime weekday(): Saturday is 0.
    grid_start = first.togregorian() - dt.timedelta(days=first.weekday())
    grid_end = last.togregorian() + dt.timedelta(days=6 - last.weekday())
    start, end = _day_start(grid_start), _day_start(grid_end + dt.timedelta(days=1))
    today = timezone.localdate(timezone=tehran())

    if everyone and membership_sees_all(membership):
        activities = activities_visible(membership=membership)
        cases = cases_visible(membership=membership)
    else:
        mine = _mine(membership)
        activities = Activity.objects.filter(assignee_user_id=mine)
        cases = Case.objects.filter(assignee_user_id=mine)
    activities = (
        activities.filter(done_at__isnull=True, case__state__in=Case.OPEN_STATES)
        .filter(
            Q(due_at__gte=start, due_at__lt=end)
            | Q(due_at__isnull=True, remind_at__gte=start, remind_at__lt=end)
        )
        .select_related("case")
        .order_by("due_at", "remind_at", "id")
    )
    cases = cases.filter(state__in=Case.OPEN_STATES, due_at__gte=start, due_at__lt=end).order_by(
        "due_at", "id"
    )
    days: dict[dt.date, CalendarDay] = {}
    day = grid_start
    while day <= grid_end:
        jalali = jdatetime.date.fromgregorian(date=day)
        days[day] = CalendarDay(
            date=day, jalali=jalali, in_month=jalali.month == month, today=day == today
        )
        day += dt.timedelta(days=1)
    for activity in activities:
        when = activity.due_at or activity.remind_at
        assert when is not None
        days[timezone.localtime(when, tehran()).date()].activities.append(activity)
    for case in cases:
        assert case.due_at is not None
        days[timezone.localtime(case.due_at, tehran()).date()].cases.append(case)
    ordered = list(days.values())
    weeks = [ordered[index : index + 7] for index in range(0, len(ordered), 7)]
    return CalendarMonth(
        year=year,
        month=month,
        weeks=weeks,
        previous=_month_shift(year, month, -1),
        next=(next_year, next_month),
    )


def agency_members(*, agency: Any) -> list[tuple[int, str]]:
    """The agency's active members as (account id, name), for choosing an assignee."""
    from accounts.models import AgencyMembership

    rows = (
        AgencyMembership.objects.filter(agency_id=agency.pk, is_active=True)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user_id")
    )
    return [
        (row.user_id, f"{row.user.first_name} {row.user.last_name}".strip() or row.user.mobile)
        for row in rows
    ]

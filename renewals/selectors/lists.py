"""The calls lists (a staff member's day, lapsed, find the number, all open), an item's
page and the manager's view: a fixed number of queries whatever the list's size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.digits import localize_digits
from core.jalali import format_jalali_date, format_jalali_datetime, tehran, to_jalali
from crm.models import Customer
from crm.selectors.names import line_names, user_names
from renewals.models import CallResult, DistributionRun, Kind, Result, WorkItem
from renewals.services import clock
from renewals.services.pool import staff_behind, staff_candidates

# The kinds worked on these pages (follow-up calls have their own).
CALL_KINDS = (Kind.RENEWAL, Kind.LAPSED)
TABS = ("today", "lapsed", "find_number", "all")
PAGE_SIZE = 25


# What a row reads (the item's and its customer's), so the page never loads wide rows.
ROW_FIELDS = (
    "id",
    "kind",
    "queue",
    "state",
    "line_code",
    "end_date",
    "assigned_to_user_id",
    "due_at",
    "next_call_at",
    "last_result",
    "customer",
)
CUSTOMER_FIELDS = ("id", "party", "first_name", "last_name", "company_name", "mobile")


def day_end(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in Tehran."""
    return clock.at(day + dt.timedelta(days=1), dt.time(0, 0))


def calls_list(*, tab: str, user_id: int, manages: bool, today: dt.date) -> QuerySet[WorkItem]:
    """The open renewal and lapsed items of a tab, in calling order (call time, then expiry).

    - ``today``: mine, on the calls list, to call today or earlier (or not called yet);
    - ``lapsed``: my lapsed items on the calls list;
    - ``find_number``: the agency's wrong numbers (anyone may fill one in);
    - ``all``: all my open items (an owner's or manager's: the agency's).
    """
    items = WorkItem.objects.filter(state=WorkItem.State.OPEN, kind__in=CALL_KINDS)
    if tab == "find_number":
        items = items.filter(queue=WorkItem.Queue.FIND_NUMBER)
    elif tab == "all":
        if not manages:
            items = items.filter(assigned_to_user_id=user_id)
    else:
        items = items.filter(assigned_to_user_id=user_id, queue=WorkItem.Queue.CALLS)
        if tab == "lapsed":
            items = items.filter(kind=Kind.LAPSED)
        else:
            items = items.filter(Q(next_call_at__isnull=True) | Q(next_call_at__lt=day_end(today)))
    # The customers of the page only, by id (a join would hash every customer of the agency).
    customers = Prefetch("customer", queryset=Customer.objects.only(*CUSTOMER_FIELDS))
    return (
        items.only(*ROW_FIELDS)
        .prefetch_related(customers)
        .order_by(F("next_call_at").asc(nulls_first=True), F("end_date").asc(nulls_last=True), "id")
    )


def _days_text(days: int | None) -> str:
    """Days to expiry as people read them: a number, or how long ago it expired."""
    if days is None:
        return "—"
    if days < 0:
        return localize_digits(_("%(days)s days ago") % {"days": -days})
    return localize_digits(days)


def rows_decorate(items: list[WorkItem], *, today: dt.date, now: dt.datetime) -> list[WorkItem]:
    """What a row shows beside the item: the line's name, days left, the last result's
    label, overdue; one query for the lines' names (and one for the assignees')."""
    names = line_names({item.line_code for item in items})
    people = user_names({item.assigned_to_user_id for item in items})
    results = dict(Result.choices)
    for item in items:
        # Formatted here, once, rather than through template filters row by row.
        item.expiry_text = format_jalali_date(item.end_date) or "—"  # type: ignore[attr-defined]
        item.call_text = format_jalali_datetime(item.next_call_at) or "—"  # type: ignore[attr-defined]
        item.due_text = format_jalali_datetime(item.due_at) or "—"  # type: ignore[attr-defined]
        item.mobile_text = localize_digits(item.customer.mobile) if item.customer.mobile else "—"  # type: ignore[attr-defined]
        item.line_name = names.get(item.line_code) or "—"  # type: ignore[attr-defined]
        item.days_left = (item.end_date - today).days if item.end_date else None  # type: ignore[attr-defined]
        item.days_ago = -item.days_left if (item.days_left or 0) < 0 else 0  # type: ignore[attr-defined]
        item.days_text = _days_text(item.days_left)  # type: ignore[attr-defined]
        item.last_result_label = results.get(item.last_result, "")  # type: ignore[attr-defined]
        item.overdue = bool(item.due_at and item.due_at < now)  # type: ignore[attr-defined]
        item.assignee_name = people.get(item.assigned_to_user_id or 0, "")  # type: ignore[attr-defined]
    return items


def item_visible(item: WorkItem, *, user_id: int, manages: bool) -> bool:
    """Who may open an item's page: its assignee, anyone for a find-the-number item, owners
    and managers for every one."""
    return (
        manages or item.assigned_to_user_id == user_id or item.queue == WorkItem.Queue.FIND_NUMBER
    )


def item_results(item: WorkItem) -> list[CallResult]:
    """The item's calls, newest first, with who made them (one query, plus one for names)."""
    results = list(CallResult.objects.filter(item=item).order_by("-at", "-id"))
    people = user_names({result.by_user_id for result in results})
    for result in results:
        result.by_name = people.get(result.by_user_id or 0, "")  # type: ignore[attr-defined]
    return results


def jalali_month_start(today: dt.date) -> dt.date:
    """The Gregorian date the current Jalali month began."""
    jalali = to_jalali(today)
    return (jalali - dt.timedelta(days=jalali.day - 1)).togregorian()  # type: ignore[operator]


@dataclass
class StaffRow:
    user_id: int
    name: str
    open: int = 0
    overdue: int = 0
    done_today: int = 0
    renewed_month: int = 0

    @property
    def behind(self) -> bool:
        return self.overdue > 0


@dataclass
class ManagerView:
    staff: list[StaffRow]
    unassigned: int
    runs: list[dict[str, Any]]
    candidates: list[tuple[int, str]] = field(default_factory=list)


def _verify() -> Any:
    """``distribution_verify`` when the engine's module is installed, else None."""
    try:
        from renewals.services.distribution import distribution_verify  # type: ignore[attr-defined]
    except ImportError:
        return None
    return distribution_verify


def _counts(rows: QuerySet[Any], by: str) -> dict[int, int]:
    """Rows counted per user id (``by``), in one query."""
    counted = rows.order_by().values_list(by).annotate(n=Count("id")).values_list(by, "n")
    return {int(key): int(n) for key, n in counted if key is not None}


def manager_view(agency: Any, *, today: dt.date, now: dt.datetime | None = None) -> ManagerView:
    """Per staff member: open items, overdue ones, results recorded today, renewals this
    (Jalali) month; the unassigned count; today's distributions and whether each is fair."""
    moment = now or timezone.now()
    candidates = staff_candidates(agency)
    open_counts = _counts(
        WorkItem.objects.filter(
            state=WorkItem.State.OPEN, kind__in=CALL_KINDS, assigned_to_user_id__isnull=False
        ),
        "assigned_to_user_id",
    )
    behind = staff_behind(moment)
    start = clock.at(today, dt.time(0, 0))
    done = _counts(
        CallResult.objects.filter(at__gte=start, by_user_id__isnull=False),
        "by_user_id",
    )
    month = clock.at(jalali_month_start(today), dt.time(0, 0))
    renewed = _counts(
        WorkItem.objects.filter(
            outcome=WorkItem.Outcome.RENEWED, closed_at__gte=month, credited_user_id__isnull=False
        ),
        "credited_user_id",
    )
    unassigned = WorkItem.objects.filter(
        state=WorkItem.State.OPEN, kind__in=CALL_KINDS, assigned_to_user_id__isnull=True
    ).count()
    runs = list(DistributionRun.objects.filter(day=today).order_by("kind"))
    ids = set(candidates) | set(open_counts) | set(behind)
    for run in runs:
        ids |= {int(key) for key in run.shares} | {int(key) for key in run.skipped}
    names = user_names(ids)
    rows = [
        StaffRow(
            user_id=user_id,
            name=names.get(user_id, str(user_id)),
            open=open_counts.get(user_id, 0),
            overdue=behind.get(user_id, 0),
            done_today=done.get(user_id, 0),
            renewed_month=renewed.get(user_id, 0),
        )
        for user_id in sorted(set(candidates) | set(open_counts) | set(behind))
    ]
    verify = _verify()
    kinds = dict(Kind.choices)
    shown = []
    for run in runs:
        verified = None
        if verify is not None:
            try:
                verified = bool(verify(run))
            except Exception:  # noqa: BLE001 - a mark, never a broken page
                verified = False
        shown.append(
            {
                "run": run,
                "kind_label": kinds.get(run.kind, ""),
                "shares": [
                    (names.get(int(key), key), count) for key, count in sorted(run.shares.items())
                ],
                "skipped": [
                    (names.get(int(key), key), reason)
                    for key, reason in sorted(run.skipped.items())
                ],
                "verified": verified,
            }
        )
    return ManagerView(
        staff=rows,
        unassigned=unassigned,
        runs=shown,
        candidates=[(user_id, names.get(user_id, str(user_id))) for user_id in candidates],
    )


def now_and_today() -> tuple[dt.datetime, dt.date]:
    """The moment and the Tehran day the pages work with (``clock.today``, which tests and
    the browser test move)."""
    today = clock.today()
    now = timezone.now()
    if timezone.localdate(now, tehran()) != today:
        # The day was moved (a test): the moment follows it, at the same time of day.
        local = now.astimezone(tehran())
        now = clock.at(today, local.time().replace(tzinfo=None))
    return now, today

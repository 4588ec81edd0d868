"""Who takes renewal calls on a day, and who is behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone

from accounts.models import AgencyMembership
from renewals.models import ServiceStaff, WorkItem


def staff_candidates(agency: Any) -> list[int]:
    """The active members who take renewal calls (user ids, ascending): staff unless a
    ``ServiceStaff`` row takes them out, owners and managers only when a row puts them in.
    Leave and being behind are not looked at here."""
    rows = dict(ServiceStaff.objects.values_list("user_id", "in_pool"))
    members = AgencyMembership.objects.filter(
        agency_id=agency.pk, is_active=True, user__is_active=True
    ).values_list("user_id", "role")
    chosen = []
    for user_id, role in members:
        default = role == AgencyMembership.Role.STAFF
        if rows.get(user_id, default):
            chosen.append(user_id)
    return sorted(chosen)


def on_leave(day: dt.date) -> set[int]:
    """Staff on leave on ``day``."""
    return {
        user_id
        for user_id, start, end in ServiceStaff.objects.filter(
            leave_from__isnull=False
        ).values_list("user_id", "leave_from", "leave_until")
        if start is not None and start <= day and (end is None or day <= end)
    }


def staff_behind(now: dt.datetime | None = None) -> dict[int, int]:
    """Staff with open items whose results are overdue (``due_at`` passed): user id → how
    many. One query on the partial index ``renewal_item_due``."""
    moment = now or timezone.now()
    rows = (
        WorkItem.objects.filter(
            state=WorkItem.State.OPEN,
            assigned_to_user_id__isnull=False,
            due_at__lt=moment,
        )
        .values_list("assigned_to_user_id")
        .annotate(n=Count("id"))
        .values_list("assigned_to_user_id", "n")
    )
    return {int(user_id): count for user_id, count in rows if user_id is not None}


def staff_pool(
    agency: Any, day: dt.date, now: dt.datetime | None = None
) -> tuple[list[int], dict[str, str]]:
    """The staff who get new items on ``day``: candidates not on leave and not behind.
    Returns (user ids ascending, {user id as text: "leave" | "behind"} of those left out)."""
    candidates = staff_candidates(agency)
    leave = on_leave(day)
    behind = staff_behind(now)
    skipped: dict[str, str] = {}
    pool = []
    for user_id in candidates:
        if user_id in leave:
            skipped[str(user_id)] = "leave"
        elif user_id in behind:
            skipped[str(user_id)] = "behind"
        else:
            pool.append(user_id)
    return pool, skipped

"""Seed 004's hours, in Tehran time: results due by 17:00 the day after, call backs in
09:30–11:00 or 15:30–17:00."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.jalali import tehran

DUE_HOUR = dt.time(17, 0)
# Seed 004: "generally 9:30 to 11 in the morning or 3:30 to 5 in the afternoon".
CALL_BACK_WINDOWS = ((dt.time(9, 30), dt.time(11, 0)), (dt.time(15, 30), dt.time(17, 0)))


def today() -> dt.date:
    """The day in Tehran."""
    return timezone.localdate(timezone.now(), tehran())


def at(day: dt.date, time: dt.time) -> dt.datetime:
    """``time`` on ``day`` in Tehran, as an aware datetime."""
    return dt.datetime.combine(day, time, tzinfo=tehran())


def due_at(day: dt.date) -> dt.datetime:
    """When the results of an item given out (or to be called) on ``day`` are due: 17:00
    the next day."""
    return at(day + dt.timedelta(days=1), DUE_HOUR)


def in_call_back_window(moment: dt.datetime) -> bool:
    """Whether ``moment`` (any zone) falls in one of seed 004's windows in Tehran."""
    local = moment.astimezone(tehran()).time()
    return any(start <= local <= end for start, end in CALL_BACK_WINDOWS)


def next_call_back(after: dt.datetime) -> dt.datetime:
    """The first window start after ``after``: 09:30 or 15:30 Tehran (skipping Fridays)."""
    local = after.astimezone(tehran())
    day = local.date()
    for _ in range(8):
        for start, _end in CALL_BACK_WINDOWS:
            moment = at(day, start)
            if moment > local and day.weekday() != 4:
                return moment
        day += dt.timedelta(days=1)
    return at(day, CALL_BACK_WINDOWS[0][0])

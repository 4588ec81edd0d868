"""Working-hours arithmetic for answer due times (decision 051).

The insurer's branch works Saturday to Wednesday 08:00-16:00 and Thursday 08:00-12:00,
Tehran time; Fridays and the public holidays of ``support.models.Holiday`` have no working
hours. A ticket opened at ``start`` with ``hours`` to answer is due when that many working
hours have passed: opened in the evening, on a Friday or a holiday, its clock starts at the
next working morning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from core.jalali import tehran

# Python's weekday(): Monday 0 … Thursday 3, Friday 4, Saturday 5, Sunday 6.
WORKING_HOURS: dict[int, tuple[dt.time, dt.time]] = {
    5: (dt.time(8), dt.time(16)),  # Saturday
    6: (dt.time(8), dt.time(16)),  # Sunday
    0: (dt.time(8), dt.time(16)),  # Monday
    1: (dt.time(8), dt.time(16)),  # Tuesday
    2: (dt.time(8), dt.time(16)),  # Wednesday
    3: (dt.time(8), dt.time(12)),  # Thursday: a short day
}
# Far enough for any SLA in hours (the longest Nowruz break is under a fortnight).
MAX_DAYS = 366


def holidays_between(start: dt.date, end: dt.date) -> set[dt.date]:
    """The public holidays from ``start`` to ``end`` (one query)."""
    from support.models import Holiday

    return set(
        Holiday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True)
    )


def working_window(
    day: dt.date, holidays: Iterable[dt.date]
) -> tuple[dt.datetime, dt.datetime] | None:
    """The day's working hours as aware Tehran datetimes, or None on a day off."""
    hours = WORKING_HOURS.get(day.weekday())
    if hours is None or day in holidays:
        return None
    zone = tehran()
    return (
        dt.datetime.combine(day, hours[0], tzinfo=zone),
        dt.datetime.combine(day, hours[1], tzinfo=zone),
    )


def add_working_hours(
    start: dt.datetime, hours: int | float, *, holidays: Iterable[dt.date] | None = None
) -> dt.datetime:
    """``start`` plus ``hours`` working hours (an aware datetime, in Tehran time).

    ``holidays`` defaults to the table's, read once for the span the answer can cover.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    local = start.astimezone(tehran())
    if holidays is None:
        holidays = holidays_between(local.date(), local.date() + dt.timedelta(days=MAX_DAYS))
    days_off = set(holidays)
    remaining = dt.timedelta(hours=hours)
    day = local.date()
    for _ in range(MAX_DAYS):
        window = working_window(day, days_off)
        if window is not None:
            opens, closes = window
            begin = max(opens, local)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += dt.timedelta(days=1)
    raise ValueError("No working hours found within a year")


def working_hours_between(
    start: dt.datetime, end: dt.datetime, *, holidays: Iterable[dt.date] | None = None
) -> dt.timedelta:
    """Working time from ``start`` to ``end`` (zero when ``end`` is not later)."""
    if end <= start:
        return dt.timedelta(0)
    first, last = start.astimezone(tehran()), end.astimezone(tehran())
    if holidays is None:
        holidays = holidays_between(first.date(), last.date())
    days_off = set(holidays)
    total = dt.timedelta(0)
    day = first.date()
    while day <= last.date():
        window = working_window(day, days_off)
        if window is not None:
            begin, finish = max(window[0], first), min(window[1], last)
            if finish > begin:
                total += finish - begin
        day += dt.timedelta(days=1)
    return total

"""The period a report covers: whole days in Tehran, both ends included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jdatetime

from core.jalali import format_jalali_date, jalali_month_name, jalali_today, tehran, to_jalali


def tehran_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tehran())


def jalali_month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and the last Gregorian day of a Jalali month."""
    first = jdatetime.date(year, month, 1).togregorian()
    following = jdatetime.date(year + month // 12, month % 12 + 1, 1).togregorian()
    return first, following - dt.timedelta(days=1)


def jalali_month_label(day: dt.date) -> str:
    """``آبان 1405`` (Latin digits; pages write them in their own; ``Aban`` in English)."""
    j = to_jalali(day)
    return f"{jalali_month_name(j.month)} {j.year}"


@dataclass(frozen=True)
class DateRange:
    first: dt.date
    last: dt.date

    @classmethod
    def current_month(cls) -> DateRange:
        today = jalali_today()
        return cls(*jalali_month_bounds(today.year, today.month))

    @property
    def start(self) -> dt.datetime:
        """Aware, inclusive: midnight in Tehran at the start of the first day."""
        return tehran_midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        """Aware, exclusive: midnight in Tehran after the last day."""
        return tehran_midnight(self.last + dt.timedelta(days=1))

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def months(self) -> list[tuple[dt.date, dt.date]]:
        """The Jalali months the range touches, each cut to the range."""
        months = []
        day = self.first
        while day <= self.last:
            j = to_jalali(day)
            first, last = jalali_month_bounds(j.year, j.month)
            months.append((max(first, self.first), min(last, self.last)))
            day = last + dt.timedelta(days=1)
        return months

    def slug(self) -> str:
        """``14050801-14050830``, for file names."""
        return "-".join(
            format_jalali_date(day, persian_digits=False).replace("/", "")
            for day in (self.first, self.last)
        )

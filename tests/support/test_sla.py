"""Answer due times in working hours (decision 051): Saturday to Wednesday 08:00-16:00 and
Thursday 08:00-12:00 Tehran; Fridays and the public holidays seeded for 1405-1406 skipped."""

from __future__ import annotations

import datetime as dt

import pytest

from core.jalali import tehran
from support.models import Holiday
from support.sla import add_working_hours, working_hours_between

pytestmark = pytest.mark.django_db


def tehran_at(year, month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=tehran())


@pytest.mark.parametrize(
    "start,hours,due",
    [
        # Wednesday 1405/09/11 14:00: two hours left today, two on the short Thursday.
        (tehran_at(2026, 12, 2, 14), 4, tehran_at(2026, 12, 3, 10)),
        # Thursday 11:00: one hour before noon, Friday off, two on Saturday morning.
        (tehran_at(2026, 12, 3, 11), 3, tehran_at(2026, 12, 5, 10)),
        # Opened on a Friday: the clock starts on Saturday at eight.
        (tehran_at(2026, 12, 4, 9), 1, tehran_at(2026, 12, 5, 9)),
        # Sunday evening: Monday morning.
        (tehran_at(2026, 12, 6, 19, 30), 2, tehran_at(2026, 12, 7, 10)),
        # Before opening time.
        (tehran_at(2026, 12, 5, 6), 1, tehran_at(2026, 12, 5, 9)),
        # At closing time.
        (tehran_at(2026, 12, 2, 16), 1, tehran_at(2026, 12, 3, 9)),
        # Two full days end at the second day's closing time, not the third's opening.
        (tehran_at(2026, 12, 5, 8), 16, tehran_at(2026, 12, 6, 16)),
        # Wednesday 1405/11/21 15:00: Thursday 11/22 is the revolution's holiday, then
        # Friday: one hour, then seven on Saturday 11/24.
        (tehran_at(2027, 2, 10, 15), 8, tehran_at(2027, 2, 13, 15)),
        # The eve of the New Year: Thursday 1405/12/27 10:00 — two hours, then Friday,
        # 12/29 (oil nationalisation), 1406/01/01-04 (Nowruz), four hours on Thursday 01/05,
        # Friday, and the last two on Saturday 01/07.
        (tehran_at(2027, 3, 18, 10), 8, tehran_at(2027, 3, 27, 10)),
    ],
)
def test_due_time_skips_evenings_fridays_and_holidays(start, hours, due):
    assert add_working_hours(start, hours) == due


def test_due_time_is_the_same_instant_from_utc():
    start = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)  # 14:00 in Tehran
    assert add_working_hours(start, 4) == dt.datetime(2026, 12, 3, 6, 30, tzinfo=dt.UTC)


def test_a_holiday_added_in_the_admin_moves_the_due_time():
    start = tehran_at(2026, 12, 5, 15)  # Saturday 15:00
    assert add_working_hours(start, 2) == tehran_at(2026, 12, 6, 9)
    Holiday.objects.create(date=dt.date(2026, 12, 6), name="تعطیل اضطراری")
    assert add_working_hours(start, 2) == tehran_at(2026, 12, 7, 9)


def test_the_seeded_calendar_holds_the_solar_and_lunar_holidays():
    assert Holiday.objects.get(date=dt.date(2027, 2, 11)).name == "پیروزی انقلاب اسلامی"
    assert "نوروز" in Holiday.objects.get(date=dt.date(2027, 3, 21)).name
    assert Holiday.objects.get(date=dt.date(2026, 6, 28)).name == "عاشورای حسینی"
    # 1405/01/01 is both Nowruz and, as dated, Eid al-Fitr: one day, both names.
    assert "عید سعید فطر" in Holiday.objects.get(date=dt.date(2026, 3, 21)).name
    years = {1405: 0, 1406: 0}
    for holiday in Holiday.objects.all():
        year = 1405 if holiday.date < dt.date(2027, 3, 21) else 1406
        years[year] += 1
    assert years[1405] >= 25 and years[1406] >= 25


def test_working_time_between_two_instants():
    assert working_hours_between(
        tehran_at(2026, 12, 3, 11), tehran_at(2026, 12, 5, 10)
    ) == dt.timedelta(hours=3)
    assert working_hours_between(
        tehran_at(2026, 12, 5, 10), tehran_at(2026, 12, 3, 11)
    ) == dt.timedelta(0)

"""Jalali dates and Persian digits at the edges: filters, parsing, form fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.forms import JalaliDateField, MobileField, NationalCodeField, ShebaField
from core.jalali import (
    format_jalali_date,
    format_jalali_datetime,
    format_jalali_long,
    jalali_today,
    parse_jalali_date,
)

UTC = dt.UTC


def render(template: str, **context) -> str:
    return Template(template).render(Context(context))


def test_date_filter_gives_persian_jalali_date():
    assert render("{{ d|jdate }}", d=dt.date(2026, 11, 22)) == "۱۴۰۵/۰۹/۰۱"
    assert render("{{ d|jdate }}", d=dt.date(2025, 3, 21)) == "۱۴۰۴/۰۱/۰۱"
    assert render("{{ d|jdate }}", d="2026-11-22") == "۱۴۰۵/۰۹/۰۱"
    assert render("{{ d|jdate }}", d=None) == ""
    assert render("{{ d|jdate }}", d="not a date") == ""
    assert render("{{ d|jdate_long }}", d=dt.date(2026, 11, 22)) == "۱ آذر ۱۴۰۵"


def test_aware_datetimes_are_shown_in_tehran_time():
    # 20:30 UTC is midnight in Tehran (UTC+03:30): already the next Jalali day.
    midnight = dt.datetime(2026, 11, 21, 20, 30, tzinfo=UTC)
    assert render("{{ t|jdatetime }}", t=midnight) == "۱۴۰۵/۰۹/۰۱ ۰۰:۰۰"
    assert render("{{ t|jdate }}", t=midnight) == "۱۴۰۵/۰۹/۰۱"
    before = dt.datetime(2026, 11, 21, 20, 29, tzinfo=UTC)
    assert render("{{ t|jdatetime }}", t=before) == "۱۴۰۵/۰۸/۳۰ ۲۳:۵۹"
    assert render("{{ t|jdatetime }}", t="2026-11-22T10:00:00Z") == "۱۴۰۵/۰۹/۰۱ ۱۳:۳۰"
    assert format_jalali_datetime(midnight, persian_digits=False) == "1405/09/01 00:00"
    assert format_jalali_datetime(dt.date(2026, 11, 22)) == "۱۴۰۵/۰۹/۰۱"
    assert format_jalali_datetime(None) == ""


def test_digits_and_rials_filters():
    assert render("{{ v|fa_digits }}", v="09121234567") == "۰۹۱۲۱۲۳۴۵۶۷"
    assert render("{{ v|fa_digits }}", v=685) == "۶۸۵"
    assert render("{{ v|fa_digits }}", v=None) == ""
    assert render("{{ v|rials }}", v=Decimal("1234567")) == "۱٬۲۳۴٬۵۶۷"
    assert render("{{ v|rials }}", v=0) == "۰"
    assert render("{{ v|rials }}", v=-2500000) == "-۲٬۵۰۰٬۰۰۰"
    assert render("{{ v|rials }}", v=None) == ""


def test_formatting_helpers():
    assert format_jalali_date(dt.date(2026, 11, 22), persian_digits=False) == "1405/09/01"
    assert format_jalali_date(None) == ""
    assert format_jalali_long(dt.date(2025, 3, 21)) == "۱ فروردین ۱۴۰۴"


@pytest.mark.parametrize(
    "typed",
    ["۱۴۰۵/۰۹/۰۱", "1405/09/01", "1405-9-1", "1405.9.1", " ۱۴۰۵ / ۹ / ۱ ", "١٤٠٥/٠٩/٠١"],
)
def test_parse_jalali_date_accepts_any_digits_and_separators(typed):
    assert parse_jalali_date(typed) == dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    "typed",
    [
        "\u200f۱۴۰۵/۰۹/۰۱\u200f",  # RLM on both sides, as copied from a Persian page
        "۱۴۰۵\u200e/\u200e۰۹\u200e/\u200e۰۱",  # LRM around each separator
        "\u202b1405-9-1\u202c",  # embedding
        "\u2067۱۴۰۵/۰۹/۰۱\u2069",  # isolate
        "\ufeff۱۴۰۵/۰۹/۰۱",  # byte-order mark
        "۱۴۰۵\u00a0/\u00a0۰۹\u00a0/\u00a0۰۱",  # no-break spaces
        "۱۴۰۵٫۰۹٫۰۱",  # Persian decimal sign as the separator
        "۱۴۰۵؍۰۹؍۰۱",  # Arabic date separator
    ],
)
def test_parse_jalali_date_drops_direction_marks_like_the_validators(typed):
    assert parse_jalali_date(typed) == dt.date(2026, 11, 22)


def test_parse_jalali_leap_day():
    assert parse_jalali_date("1403/12/30") == dt.date(2025, 3, 20)


@pytest.mark.parametrize(
    "typed",
    [
        "1405/13/01",
        "1405/00/10",
        "1405/07/31",  # the second half of the year has 30-day months
        "1404/12/30",  # 1404 is not a leap year
        "2026/11/22",  # a Gregorian date
        "0999/01/01",
        "05/09/01",
        "1405/09",
        "",
        "tomorrow",
    ],
)
def test_parse_jalali_date_rejects_impossible_dates(typed):
    with pytest.raises(ValueError):
        parse_jalali_date(typed)


def test_jalali_today_is_tehrans_date(monkeypatch):
    # 21:00 UTC on 21 November is already 22 November (1 Azar) in Tehran.
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: dt.datetime(2026, 11, 21, 21, 0, tzinfo=UTC)
    )
    today = jalali_today()
    assert (today.year, today.month, today.day) == (1405, 9, 1)


class PersonForm(forms.Form):
    birth_date = JalaliDateField(required=False)
    mobile = MobileField(required=False)
    national_code = NationalCodeField(required=False)
    sheba = ShebaField(required=False)


def test_form_fields_clean_to_stored_values():
    form = PersonForm(
        data={
            "birth_date": "۱۳۷۰/۰۱/۳۱",
            "mobile": "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
            "national_code": "۰۰۱۲۳۴۵۶۷۹",
            "sheba": "82 0540 1026 8002 0817 9090 02",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "birth_date": dt.date(1991, 4, 20),
        "mobile": "09121234567",
        "national_code": "0012345679",
        "sheba": "IR820540102680020817909002",
    }


def test_form_fields_refuse_in_persian_and_keep_the_input():
    data = {
        "birth_date": "1370/13/01",
        "mobile": "0912",
        "national_code": "0012345678",
        "sheba": "IR00",
    }
    with translation.override("fa"):
        form = PersonForm(data=data)
        assert not form.is_valid()
        assert form.errors == {
            "birth_date": ["تاریخ شمسی معتبر وارد کنید، مثلاً ۱۳۷۰/۰۱/۳۱."],
            "mobile": ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."],
            "national_code": ["کد ملی معتبر نیست."],
            "sheba": ["شماره شبا معتبر نیست."],
        }
        html = str(form)
    for typed in data.values():
        assert f'value="{typed}"' in html
    assert "شماره شبا" in html  # the field's label


def test_date_widget_shows_a_stored_date_in_jalali():
    form = PersonForm(initial={"birth_date": dt.date(1991, 4, 20)})
    assert 'value="۱۳۷۰/۰۱/۳۱"' in str(form["birth_date"])
    assert not PersonForm(
        data={"birth_date": "1370/1/31"}, initial={"birth_date": dt.date(1991, 4, 20)}
    ).has_changed()


def test_fa_decimal_uses_the_persian_separator_in_persian_only():
    from django.utils import translation

    from core.templatetags.jalali import fa_decimal

    with translation.override("fa"):
        assert fa_decimal("35.70000") == "۳۵٫۷۰۰۰۰"
    with translation.override("en"):
        assert fa_decimal("35.70000") == "35.70000"

"""Numbers in the page's digits: one mechanism (core.digits) for filters, messages and forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from core.digits import format_number, localize_digits, localize_numbers
from core.forms import Form, MobileField, NumericField

pytestmark = pytest.mark.django_db


def render(template: str, **context) -> str:
    return Template(template).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fa", ["۱٬۲۳۴٬۵۶۷", "۱۳۶۰", "۰٫۵", "-۲٬۵۰۰٬۰۰۰", "۱۲٫۵۰", "abc"]),
        ("en", ["1,234,567", "1360", "0.5", "-2,500,000", "12.50", "abc"]),
    ],
)
def test_a_number_is_written_in_the_languages_digits(language, expected):
    with translation.override(language):
        assert [
            format_number(Decimal("1234567")),
            format_number(1360, grouping=False),
            format_number(Decimal("0.50")),
            format_number(-2500000),
            format_number("12.5", places=2),
            format_number("abc"),
        ] == expected
        assert format_number(None) == ""


def test_numbers_inside_a_sentence():
    message = "Ensure this value has at most 100 characters (it has 300); at least 1,360 or 0.5."
    with translation.override("fa"):
        assert localize_numbers(message) == (
            "Ensure this value has at most ۱۰۰ characters (it has ۳۰۰); at least ۱٬۳۶۰ or ۰٫۵."
        )
        assert localize_digits("09121234567") == "۰۹۱۲۱۲۳۴۵۶۷"
    with translation.override("en"):
        assert localize_numbers(message) == message
        assert localize_digits("09121234567") == "09121234567"


def test_filters_follow_the_page_language():
    template = (
        "{{ amount|rials }} | {{ count|num }} | {{ share|percent }} | {{ ten|percent }} | "
        "{{ day|jdate }} | {{ moment|jdatetime }} | {{ day|jdate_long }} | {{ mobile|digits }}"
    )
    context = {
        "amount": Decimal("65314000"),
        "count": 12500,
        "share": Decimal("12.50"),
        "ten": Decimal("10.00"),
        "day": dt.date(2026, 11, 22),
        "moment": dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC),
        "mobile": "09121234567",
    }
    with translation.override("fa"):
        assert render(template, **context) == (
            "۶۵٬۳۱۴٬۰۰۰ | ۱۲٬۵۰۰ | ۱۲٫۵٪ | ۱۰٪ | ۱۴۰۵/۰۹/۰۱ | ۱۴۰۵/۰۹/۰۱ ۱۳:۳۰ | ۱ آذر ۱۴۰۵ | "
            "۰۹۱۲۱۲۳۴۵۶۷"
        )
    with translation.override("en"):
        # The calendar stays Jalali; digits and month names are English.
        assert render(template, **context) == (
            "65,314,000 | 12,500 | 12.5% | 10% | 1405/09/01 | 1405/09/01 13:30 | 1 Azar 1405 | "
            "09121234567"
        )


def test_latin_codes_are_marked_and_identifiers_follow_their_kind():
    with translation.override("fa"):
        assert render("{{ v|latin }}", v="NAAM01CA9JK123456") == (
            '<bdi dir="ltr" data-latin>NAAM01CA9JK123456</bdi>'
        )
        assert render("{{ v|latin }}", v=None) == ""
        assert render("{{ v|ident }}", v="1405-11-000001") == '<bdi dir="ltr">۱۴۰۵-۱۱-۰۰۰۰۰۱</bdi>'
        assert render("{{ v|ident }}", v="BANK0012") == '<bdi dir="ltr" data-latin>BANK0012</bdi>'
        assert render("{{ v|words }}", v=["الف", "ب"]) == "الف، ب"
    with translation.override("en"):
        assert render("{{ v|ident }}", v="1405-11-000001") == '<bdi dir="ltr">1405-11-000001</bdi>'
        assert render("{{ v|words }}", v=["A", "B"]) == "A, B"


class _Sample(Form):
    name = forms.CharField(max_length=5)
    count = forms.IntegerField(min_value=1)
    year = NumericField(required=False)
    mobile = MobileField(required=False)


def test_form_errors_are_written_in_the_pages_digits():
    with translation.override("fa"):
        form = _Sample({"name": "ابپتثج", "count": "0"})
        assert not form.is_valid()
        name_error, count_error = form.errors["name"][0], form.errors["count"][0]
        assert "۵" in name_error and "۶" in name_error and "5" not in name_error
        assert "۱" in count_error and "1" not in count_error
        assert str(form["name"].errors).count("۵") == 1  # rendered lists too
    with translation.override("en"):
        form = _Sample({"name": "abcdef", "count": "0"})
        assert not form.is_valid()
        assert form.errors["name"] == ["Ensure this value has at most 5 characters (it has 6)."]


def test_a_stored_number_is_offered_in_the_pages_digits_and_a_typed_one_kept():
    with translation.override("fa"):
        unbound = _Sample(initial={"year": "1398", "mobile": "09121234567"})
        assert 'value="۱۳۹۸"' in str(unbound["year"])
        assert 'value="۰۹۱۲۱۲۳۴۵۶۷"' in str(unbound["mobile"])
        assert 'placeholder="۰۹۱۲۱۲۳۴۵۶۷"' in str(unbound["mobile"])
        typed = _Sample({"year": "1398", "mobile": "0912-12"})
        assert 'value="1398"' in str(typed["year"]) and 'value="0912-12"' in str(typed["mobile"])
    with translation.override("en"):
        assert 'placeholder="09121234567"' in str(_Sample()["mobile"])

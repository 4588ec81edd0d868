"""Numbers as people type them: Persian digits, the Persian decimal sign, thousands
separators in groups of three (decision 020)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.digits import number_text, parse_decimal
from core.forms import DecimalField


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("35.7", "35.7"),
        ("۳۵٫۷", "35.7"),  # Persian digits, Persian decimal sign
        ("٣٥٫٧", "35.7"),  # Arabic-Indic digits
        ("\u200f۵۱٫۴۵۰۰۰۰\u200e", "51.450000"),  # direction marks from a pasted value
        ("۱٬۲۳۴٬۵۶۷", "1234567"),  # Persian thousands separator
        ("1,234,567", "1234567"),
        ("1،234", "1234"),
        ("1 234 567", "1234567"),
        ("1,234.5", "1234.5"),
        ("-۱۲", "-12"),
        ("−3٫5", "-3.5"),  # minus sign
        ("٫۵", "0.5"),
        ("5.", "5"),
    ],
)
def test_number_text_accepts_what_people_type(typed, plain):
    assert number_text(typed) == plain


@pytest.mark.parametrize(
    "typed", ["", ".", "35,7", "1,2345", "12,34,567", "1.2.3", "۱۲a", "۳/۵", "1,234 567", "١٢-"]
)
def test_number_text_refuses_what_it_cannot_read_for_sure(typed):
    with pytest.raises(ValueError):
        number_text(typed)


def test_parse_decimal():
    assert parse_decimal("۳۵٫۷۰۰۰۰۰") == Decimal("35.700000")


def test_decimal_form_field_is_a_text_box_that_cleans_persian_numbers():
    field = DecimalField(max_digits=9, decimal_places=6)
    assert field.clean("۳۵٫۷۵") == Decimal("35.75")
    assert 'type="text"' in field.widget.render("x", "")
    assert 'inputmode="decimal"' in field.widget.render("x", "")
    with pytest.raises(Exception, match="عدد|number"):
        field.clean("35,7")

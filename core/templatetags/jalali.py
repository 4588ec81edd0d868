"""Template filters for Jalali dates and numbers in the page's digits; builtins everywhere.

Every number a page shows goes through one of these (``num``, ``rials``, ``digits``,
``jdate``…): Persian digits in Persian, Latin digits in English. Codes that keep their
Latin digits whatever the language go through ``latin`` (core.templatetags.ui).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.dateparse import parse_date, parse_datetime

from core.digits import (
    PERSIAN_DECIMAL_SEPARATOR,
    format_number,
    localize_digits,
    localize_numbers,
    persian_digits_active,
)
from core.jalali import format_jalali_date, format_jalali_datetime, format_jalali_long
from core.money import to_rials

register = template.Library()


def _as_date(value: object) -> dt.date | dt.datetime | None:
    """A date/datetime, or one parsed from an ISO string (API payloads, JSON fields)."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return parse_datetime(value) or parse_date(value)
        except ValueError:
            return None
    return None


@register.filter
def jdate(value: dt.date | dt.datetime | str | None) -> str:
    """``{{ policy.starts_on|jdate }}`` → ``۱۴۰۵/۰۹/۰۱`` (a datetime: its date in Tehran)."""
    return format_jalali_date(_as_date(value))


@register.filter
def jdatetime(value: dt.datetime | str | None) -> str:
    """``{{ order.created_at|jdatetime }}`` → ``۱۴۰۵/۰۹/۰۱ ۱۴:۳۰`` (Tehran time)."""
    return format_jalali_datetime(_as_date(value))


@register.filter
def jdate_long(value: dt.date | dt.datetime | str | None) -> str:
    """``{{ policy.starts_on|jdate_long }}`` → ``۱ آذر ۱۴۰۵``."""
    return format_jalali_long(_as_date(value))


@register.filter
def fa_digits(value: object) -> str:
    """Write a value's digits in the page's digits: Persian in Persian, unchanged in English."""
    return localize_digits(value)


@register.filter
def digits(value: object) -> str:
    """Alias of ``fa_digits`` for identifiers read aloud: order, policy and mobile numbers."""
    return localize_digits(value)


@register.filter
def num(value: object, places: int | None = None) -> str:
    """A count or a measure with thousands separators: ``12500`` → ``۱۲٬۵۰۰`` / ``12,500``;
    ``{{ km|num:1 }}`` keeps one decimal."""
    return format_number(value, places=None if places in (None, "") else int(places))


@register.filter
def numbers_in(value: object) -> str:
    """Every number inside a sentence written the page's way (messages, form errors)."""
    return "" if value is None else localize_numbers(str(value))


@register.filter
def rials(value: Decimal | int | str | None) -> str:
    """``1234567`` → ``۱٬۲۳۴٬۵۶۷`` (``1,234,567`` in English): whole rials, grouped."""
    if value in (None, ""):
        return ""
    try:
        amount = to_rials(Decimal(value) if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return format_number(amount)


@register.filter
def fa_decimal(value: object) -> str:
    """A decimal number in the page's digits, with the Persian decimal separator (٫)."""
    text = localize_digits(value)
    return text.replace(".", PERSIAN_DECIMAL_SEPARATOR) if persian_digits_active() else text


@register.filter
def percent(value: object, places: int = 2) -> str:
    """``12.50`` → ``۱۲٫۵٪`` / ``12.5%``: at most ``places`` decimals, no trailing zeros."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-int(places)))
    except (InvalidOperation, ValueError):
        return str(value)
    sign = "٪" if persian_digits_active() else "%"
    return f"{format_number(number.normalize(), grouping=False)}{sign}"

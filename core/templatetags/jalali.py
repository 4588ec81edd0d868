"""Template filters for Jalali dates and Persian digits; loaded as builtins everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language

from core.digits import to_persian_digits
from core.jalali import format_jalali_date, format_jalali_datetime, format_jalali_long
from core.money import format_rials

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
    """Write Latin digits as Persian digits (in the Persian interface; unchanged in English)."""
    if value is None:
        return ""
    if not (get_language() or "fa").startswith("fa"):
        return str(value)
    return to_persian_digits(value)


@register.filter
def rials(value: Decimal | int | str | None) -> str:
    """``1234567`` → ``۱٬۲۳۴٬۵۶۷`` (Persian digits and thousands separator)."""
    if value in (None, ""):
        return ""
    try:
        text = format_rials(Decimal(value) if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return to_persian_digits(text).replace(",", "٬")


@register.filter
def fa_decimal(value: object) -> str:
    """A decimal number in the interface's digits, with the Persian decimal separator (٫)."""
    text = fa_digits(value)
    return text.replace(".", "٫") if (get_language() or "fa").startswith("fa") else text

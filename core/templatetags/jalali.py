"""Template filters for Jalali dates and Persian digits; loaded as builtins everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template

from core.digits import to_persian_digits
from core.jalali import format_jalali_date, format_jalali_datetime
from core.money import format_rials

register = template.Library()


@register.filter
def jdate(value: dt.date | dt.datetime | None) -> str:
    """``{{ policy.starts_on|jdate }}`` → ``۱۴۰۵/۰۹/۰۱``."""
    return format_jalali_date(value) if value else ""


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    """``{{ order.created_at|jdatetime }}`` → ``۱۴۰۵/۰۹/۰۱ ۱۴:۳۰`` (Tehran time)."""
    return format_jalali_datetime(value) if value else ""


@register.filter
def fa_digits(value: object) -> str:
    """Write Latin digits as Persian digits."""
    if value is None:
        return ""
    return to_persian_digits(value)


@register.filter
def rials(value: Decimal | int | None) -> str:
    """``1234567`` → ``۱٬۲۳۴٬۵۶۷``."""
    if value in (None, ""):
        return ""
    return to_persian_digits(format_rials(value)).replace(",", "٬")

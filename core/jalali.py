"""Jalali (Iranian solar) calendar at the edges: storage stays UTC / ISO dates."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jdatetime
from django.conf import settings
from django.utils import timezone

from core.digits import to_latin_digits, to_persian_digits

_JALALI_RE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")

JALALI_MONTHS = (
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
)


def tehran() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date | jdatetime.datetime:
    """Convert a date, or an aware datetime (shown in Tehran time), to Jalali."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(tehran())
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def format_jalali_date(value: dt.date | dt.datetime | None, *, persian_digits: bool = True) -> str:
    """``2026-11-22`` → ``۱۴۰۵/۰۹/۰۱``."""
    if value is None:
        return ""
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return to_persian_digits(text) if persian_digits else text


def format_jalali_datetime(value: dt.datetime | None, *, persian_digits: bool = True) -> str:
    """An aware datetime as ``۱۴۰۵/۰۹/۰۱ ۱۴:۳۰`` in Tehran time."""
    if value is None:
        return ""
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d} {j.hour:02d}:{j.minute:02d}"
    return to_persian_digits(text) if persian_digits else text


def parse_jalali_date(text: str) -> dt.date:
    """Parse ``۱۴۰۵/۰۹/۰۱`` (any digits, / - or . separators) to a Gregorian date.

    Raises ``ValueError`` for a malformed or impossible date.
    """
    match = _JALALI_RE.match(to_latin_digits(text or ""))
    if not match:
        raise ValueError(f"Not a Jalali date: {text!r}")
    year, month, day = (int(part) for part in match.groups())
    return jdatetime.date(year, month, day).togregorian()


def jalali_today() -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=timezone.localdate(timezone=tehran()))

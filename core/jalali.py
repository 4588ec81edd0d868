"""Jalali (Iranian solar) calendar at the edges: storage stays UTC / ISO dates.

Dates are shown as ``۱۴۰۵/۰۹/۰۱`` and times in Tehran time; whatever people type
(Persian, Arabic-Indic or Latin digits, ``/``, ``-`` or ``.``) is parsed back to a
Gregorian ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jdatetime
from django.conf import settings
from django.utils import timezone

from core.digits import persian_digits_active, to_latin_digits, to_persian_digits
from core.text import normalize_text

# Separators people type between year, month and day: "/", "-", ".", the Persian decimal
# sign "٫", the Arabic date separator "؍", slashes and dashes of other shapes.
_SEPARATOR = r"[/\-.\u066b\u060d\u2044\u2215\u2010-\u2015\u2212]"
_JALALI_RE = re.compile(
    rf"^ ?([0-9]{{4}}) ?{_SEPARATOR} ?([0-9]{{1,2}}) ?{_SEPARATOR} ?([0-9]{{1,2}}) ?$"
)
# Years a person alive or a policy in force can have; a Gregorian year typed by
# mistake (1990, 2026) falls outside and is refused instead of landing centuries ahead.
JALALI_MIN_YEAR = 1200
JALALI_MAX_YEAR = 1599

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
# The months' names in English pages (the calendar stays Jalali in every language).
JALALI_MONTHS_LATIN = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)


def jalali_month_name(month: int) -> str:
    """The name of Jalali month ``month`` (1–12) in the active language."""
    names = JALALI_MONTHS if persian_digits_active() else JALALI_MONTHS_LATIN
    return names[month - 1]


def _digits(text: str, persian_digits: bool | None) -> str:
    if persian_digits is None:
        persian_digits = persian_digits_active()
    return to_persian_digits(text) if persian_digits else text


def tehran() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date | jdatetime.datetime:
    """Convert a date, or a datetime (an aware one is first moved to Tehran time), to Jalali."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(tehran())
        return jdatetime.datetime.fromgregorian(datetime=value)
    return jdatetime.date.fromgregorian(date=value)


def format_jalali_date(
    value: dt.date | dt.datetime | None, *, persian_digits: bool | None = None
) -> str:
    """``2026-11-22`` → ``۱۴۰۵/۰۹/۰۱`` (an aware datetime gives its date in Tehran).

    Digits follow the active language unless ``persian_digits`` says otherwise (files and
    URLs ask for Latin ones)."""
    if value is None:
        return ""
    j = to_jalali(value)
    return _digits(f"{j.year:04d}/{j.month:02d}/{j.day:02d}", persian_digits)


def format_jalali_datetime(
    value: dt.datetime | dt.date | None, *, persian_digits: bool | None = None
) -> str:
    """An aware datetime as ``۱۴۰۵/۰۹/۰۱ ۱۴:۳۰`` in Tehran time (a plain date as its date)."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return format_jalali_date(value, persian_digits=persian_digits)
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d} {j.hour:02d}:{j.minute:02d}"
    return _digits(text, persian_digits)


def format_jalali_long(value: dt.date | dt.datetime | None) -> str:
    """``2026-11-22`` → ``۱ آذر ۱۴۰۵`` (``1 Azar 1405`` in English)."""
    if value is None:
        return ""
    j = to_jalali(value)
    return _digits(f"{j.day} {jalali_month_name(j.month)} {j.year}", None)


def parse_jalali_date(text: str) -> dt.date:
    """Parse ``۱۴۰۵/۰۹/۰۱`` or ``1405-9-1`` (any digits; ``/ - . ٫ ؍`` separators;
    direction marks ignored) to a Gregorian date.

    Raises ``ValueError`` for a malformed or impossible date (``1405/13/01``,
    ``1404/12/30`` in a common year) or a year outside 1200–1599.
    """
    # Direction marks, bidi isolates and odd spaces that come with text copied from a
    # Persian page are dropped first, as core.validators does for identifiers.
    match = _JALALI_RE.match(to_latin_digits(normalize_text(text)))
    if not match:
        raise ValueError(f"Not a Jalali date: {text!r}")
    year, month, day = (int(part) for part in match.groups())
    if not JALALI_MIN_YEAR <= year <= JALALI_MAX_YEAR:
        raise ValueError(f"Jalali year out of range: {year}")
    return jdatetime.date(year, month, day).togregorian()


def jalali_today() -> jdatetime.date:
    """Today in Tehran, as a Jalali date."""
    return jdatetime.date.fromgregorian(date=timezone.localdate(timezone=tehran()))


def tehran_today() -> dt.date:
    """Today's (Gregorian) date in Tehran."""
    return timezone.localdate(timezone=tehran())

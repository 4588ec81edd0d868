"""Digits in and out.

In: Persian (۰-۹) and Arabic-Indic (٠-٩) digits are accepted everywhere and read as Latin.
Out: a number is written in the digits of the language the page is in: Persian digits and
separators (``۱٬۲۳۴٫۵``) in Persian, Latin ones (``1,234.5``) in English. Codes made of
Latin letters and digits (a VIN, a Sheba number, an IP address) are never converted: a
template marks them with the ``latin`` filter (docs/decisions/021).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import get_language

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
LATIN_DIGITS = "0123456789"
PERSIAN_THOUSANDS_SEPARATOR = "٬"  # U+066C
PERSIAN_DECIMAL_SEPARATOR = "٫"  # U+066B

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN = str.maketrans(LATIN_DIGITS, PERSIAN_DIGITS)
# A written number: digits, possibly grouped by commas and with a decimal point.
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def to_latin_digits(value: str) -> str:
    """Return ``value`` with every Persian or Arabic-Indic digit replaced by its Latin digit."""
    return value.translate(_TO_LATIN)


def to_persian_digits(value: object) -> str:
    """Return ``str(value)`` with Latin digits written as Persian digits."""
    return str(value).translate(_TO_PERSIAN)


# Typed numbers: the decimal sign is "." or the Persian "٫" (U+066B); thousands may be
# grouped by ",", the Persian "٬" (U+066C), the Arabic comma "،" or a space, but only in
# groups of three, so that "35,7" is refused rather than read as 357. "/" is never a decimal
# sign here (۳/۵ is also a fraction or part of a date).
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u2060",
    ),
    None,
)
_MINUS = dict.fromkeys(map(ord, "\u2212\u2010\u2011\u2012\u2013\u2014\ufe63\uff0d"), "-")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2009\u2007\u200a"), " ")
_NUMBER_RE = re.compile(
    r"^(-?)([0-9]{1,3}(?:([,٬، ])[0-9]{3}(?:\3[0-9]{3})*)|[0-9]*)(?:[.٫]([0-9]*))?$"
)


def number_text(value: object) -> str:
    """A number as people type it → its plain form (``"۱٬۲۳۴٫۵"`` → ``"1234.5"``).

    Raises ``ValueError`` for anything else (two decimal signs, stray letters, thousands
    groups that are not of three digits).
    """
    text = to_latin_digits(str(value)).translate(_INVISIBLE).translate(_MINUS)
    text = text.translate(_SPACES).strip()
    match = _NUMBER_RE.match(text)
    if not match:
        raise ValueError(f"Not a number: {value!r}")
    sign, whole, separator, fraction = match.groups()
    if separator:
        whole = whole.replace(separator, "")
    if not whole and not fraction:
        raise ValueError(f"Not a number: {value!r}")
    return f"{sign}{whole or '0'}" + (f".{fraction}" if fraction else "")


def parse_decimal(value: object) -> Decimal:
    """:func:`number_text` as a ``Decimal``."""
    return Decimal(number_text(value))


def persian_digits_active() -> bool:
    """Whether the active language writes numbers in Persian digits (Persian does)."""
    return (get_language() or settings.LANGUAGE_CODE).startswith("fa")


def localize_digits(value: object) -> str:
    """``str(value)`` with its digits in the active language's digits (nothing else changes)."""
    text = "" if value is None else str(value)
    return to_persian_digits(text) if persian_digits_active() else text


def _persian_number(match: re.Match[str]) -> str:
    return (
        match.group(0)
        .replace(",", PERSIAN_THOUSANDS_SEPARATOR)
        .replace(".", PERSIAN_DECIMAL_SEPARATOR)
        .translate(_TO_PERSIAN)
    )


def localize_numbers(text: str) -> str:
    """Every number inside a sentence (a message such as "at most 100 characters (it has
    300)" or "at least 1,360") written the active language's way; Latin in English."""
    if not persian_digits_active():
        return text
    return _NUMBER.sub(_persian_number, text)


def format_number(value: object, *, grouping: bool = True, places: int | None = None) -> str:
    """A number for people: ``1234567`` → ``۱٬۲۳۴٬۵۶۷`` in Persian, ``1,234,567`` in English.

    ``places`` fixes the decimals (else a Decimal keeps its own, without trailing zeros);
    anything that is not a number is returned as its text.
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return localize_digits(value)
    if not number.is_finite():
        return str(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    text = f"{number:,f}" if grouping else f"{number:f}"
    if not persian_digits_active():
        return text
    return _NUMBER.sub(_persian_number, text)

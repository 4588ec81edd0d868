"""Digit normalisation: Persian (۰-۹) and Arabic-Indic (٠-٩) digits are accepted everywhere."""

from __future__ import annotations

import re
from decimal import Decimal

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
LATIN_DIGITS = "0123456789"

_TO_LATIN = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, LATIN_DIGITS * 2)
_TO_PERSIAN = str.maketrans(LATIN_DIGITS, PERSIAN_DIGITS)


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

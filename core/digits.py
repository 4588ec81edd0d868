"""Digit normalisation: Persian (۰-۹) and Arabic-Indic (٠-٩) digits are accepted everywhere."""

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

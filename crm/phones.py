"""Phone numbers in one stored form, whatever way they were typed or a telephony system
sent them: a mobile as ``09xxxxxxxxx`` (``core.validators.normalize_mobile``), any other
number as its digits with the area code and the leading 0 (``02188776655``)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits
from core.validators import normalize_mobile

# Spaces, dashes, brackets, dots and the invisible marks pasted text brings along.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015().\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff/]")
_LANDLINE = re.compile(r"^0[1-8][0-9]{9}$")
_LOCAL = re.compile(r"^[1-9][0-9]{7}$")
_AREA = re.compile(r"^0[1-8][0-9]{1,2}$")


def _invalid() -> ValidationError:
    return ValidationError(
        _("Enter a valid phone number with its area code, e.g. 02188776655 or 09121234567."),
        code="invalid_phone",
    )


def phone_normalize(value: object, *, default_area_code: str = "") -> str:
    """The stored form of a phone number; ``ValidationError`` (Persian) if it is none.

    Accepts Persian and Arabic-Indic digits, separators, and the prefixes +98, 0098, 98
    (twelve digits) and 0 or none. A local eight-digit number gets ``default_area_code``
    (the agency's, e.g. ``021``) or is refused without one.
    """
    try:
        return normalize_mobile(str(value or ""))
    except ValidationError:
        pass
    number = _SEPARATORS.sub("", to_latin_digits(str(value or "")))
    for prefix in ("+98", "0098"):
        if number.startswith(prefix):
            number = "0" + number[len(prefix) :]
            break
    else:
        if number.startswith("98") and len(number) == 12:
            number = "0" + number[2:]
        elif len(number) == 10 and number[0] in "12345678":
            number = "0" + number
    if _LOCAL.match(number) and _AREA.match(default_area_code or ""):
        number = default_area_code + number
    if not _LANDLINE.match(number):
        raise _invalid()
    return number


def phone_is_mobile(number: str) -> bool:
    return number.startswith("09") and len(number) == 11


def phone_or_none(value: object, *, default_area_code: str = "") -> str | None:
    """``phone_normalize`` that answers None for something that is not a phone number."""
    try:
        return phone_normalize(value, default_area_code=default_area_code)
    except ValidationError:
        return None

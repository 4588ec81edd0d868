"""Validators for Iranian identifiers: mobile numbers, national codes, IBAN (Sheba).

Every ``normalize_*`` function accepts what people type or paste: Persian (۰-۹) and
Arabic-Indic (٠-٩) digits, spaces, dashes, brackets and the invisible direction marks
that come along when text is copied from a Persian page.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits

_MOBILE_RE = re.compile(r"^09\d{9}$")
# Whitespace, dashes (ASCII and typographic), brackets, dots, and invisible marks
# (zero-width non-joiner/joiner, LRM/RLM, bidi embeddings and isolates).
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015().\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _compact(value: object) -> str:
    return _SEPARATORS_RE.sub("", to_latin_digits(str(value or "")))


def normalize_mobile(value: str) -> str:
    """Return an Iranian mobile number as ``09xxxxxxxxx``.

    Accepts Persian and Arabic-Indic digits, spaces and dashes, and the prefixes
    ``+98``, ``0098``, ``98`` and ``0`` (or none). Raises ``ValidationError`` otherwise.
    """
    number = _compact(value)
    for prefix in ("+98", "0098"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
            break
    else:
        if number.startswith("98") and len(number) == 12:
            number = number[2:]
    if number.startswith("9") and len(number) == 10:
        number = "0" + number
    if not _MOBILE_RE.match(number):
        raise ValidationError(
            _("Enter a valid mobile number, e.g. 09121234567."), code="invalid_mobile"
        )
    return number


def validate_mobile(value: str) -> None:
    normalize_mobile(value)


def national_code_is_valid(code: str) -> bool:
    """Check the ten-digit Iranian national code (کد ملی) and its check digit."""
    if not re.fullmatch(r"\d{10}", code) or len(set(code)) == 1:
        return False
    total = sum(int(code[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    check = int(code[9])
    return check == remainder if remainder < 2 else check == 11 - remainder


def normalize_national_code(value: str) -> str:
    """Return a validated national code of ten Latin digits, or raise ``ValidationError``.

    Codes typed without their leading zeros (eight or nine digits) are padded.
    """
    code = _compact(value)
    if len(code) in (8, 9) and code.isdigit():
        code = code.zfill(10)
    if not national_code_is_valid(code):
        raise ValidationError(_("This national code is not valid."), code="invalid_national_code")
    return code


def validate_national_code(value: str) -> None:
    normalize_national_code(value)


def sheba_is_valid(value: str) -> bool:
    """Check an Iranian IBAN (شبا): ``IR`` + 24 digits with a valid ISO 7064 checksum."""
    iban = _compact(value).upper()
    if not re.fullmatch(r"IR\d{24}", iban):
        return False
    rearranged = iban[4:] + "1827" + iban[2:4]  # I=18, R=27
    return int(rearranged) % 97 == 1


def normalize_sheba(value: str) -> str:
    """Return a Sheba number as ``IR`` + 24 Latin digits, or raise ``ValidationError``.

    The ``IR`` may be left out, as banks often print only the digits.
    """
    iban = _compact(value).upper()
    if re.fullmatch(r"\d{24}", iban):
        iban = "IR" + iban
    if not sheba_is_valid(iban):
        raise ValidationError(_("This Sheba (IBAN) number is not valid."), code="invalid_sheba")
    return iban


def validate_sheba(value: str) -> None:
    """Model/form validator: the stored value must already be ``IR`` + 24 digits."""
    if not sheba_is_valid(value):
        raise ValidationError(_("This Sheba (IBAN) number is not valid."), code="invalid_sheba")

"""Identifiers of the CRM: a company's national id (شناسه ملی اشخاص حقوقی)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits

_COEFFICIENTS = (29, 27, 23, 19, 17, 29, 27, 23, 19, 17)


def company_national_id_is_valid(value: str) -> bool:
    """Check an eleven-digit national id of a legal person and its check digit."""
    if not re.fullmatch(r"[0-9]{11}", value) or len(set(value)) == 1:
        return False
    shift = int(value[9]) + 2
    total = sum((int(value[i]) + shift) * _COEFFICIENTS[i] for i in range(10))
    remainder = total % 11
    return int(value[10]) == (0 if remainder == 10 else remainder)


def normalize_company_national_id(value: object) -> str:
    """An eleven-digit company national id with Latin digits, or ``ValidationError``."""
    code = re.sub(r"[\s\-\u200b-\u200f\u202a-\u202e]", "", to_latin_digits(str(value or "")))
    if not company_national_id_is_valid(code):
        raise ValidationError(
            _("This national id of a company is not valid."), code="invalid_company_national_id"
        )
    return code

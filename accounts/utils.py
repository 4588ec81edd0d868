from __future__ import annotations

from django.utils.translation import get_language

from core.digits import to_persian_digits


def localized_number(value: object) -> str:
    """A number written in the active language's digits (Persian digits in Persian)."""
    text = str(value)
    return to_persian_digits(text) if (get_language() or "").startswith("fa") else text

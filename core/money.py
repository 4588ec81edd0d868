"""Money is a whole number of Iranian rials held in ``Decimal``; never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

RIAL_MAX_DIGITS = 18


class RialField(models.DecimalField):
    """An amount in rials: a ``Decimal`` with no fractional part."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", RIAL_MAX_DIGITS)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


def to_rials(value: Decimal | int | str) -> Decimal:
    """Round an amount to whole rials (half up), refusing floats."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; use Decimal or int.")
    return Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def format_rials(value: Decimal | int) -> str:
    """``1234567`` → ``1,234,567`` (Latin digits; templates turn them Persian)."""
    return f"{to_rials(value):,}"

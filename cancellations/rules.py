"""The refund of a cancellation, worked out from the line's short-rate table (decision 049).
No writes here: the figures the customer sees before confirming and the approval's check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from cancellations.models import ShortRateTable
from core.money import to_rials


@dataclass(frozen=True)
class RefundQuote:
    """What cancelling a policy on ``last_day`` gives back (all amounts Decimal rials)."""

    table: ShortRateTable
    last_day: dt.date
    premium: Decimal
    term_days: int
    days_used: int
    kept_percent: Decimal
    kept: Decimal
    refund: Decimal


def table_for(line_code: str) -> ShortRateTable:
    """The line's table, else the default one (one query, bands prefetched with it)."""
    tables = list(
        ShortRateTable.objects.filter(
            Q(line_code=line_code) | Q(line_code=ShortRateTable.DEFAULT)
        ).prefetch_related("bands")
    )
    own = [table for table in tables if table.line_code == line_code]
    if own:
        return own[0]
    if tables:
        return tables[0]
    # No table at all (a database without the seed): keep everything, refund nothing.
    return ShortRateTable(line_code=ShortRateTable.DEFAULT, method=ShortRateTable.Method.SHORT_RATE)


def kept_percent_for(table: ShortRateTable, *, days_used: int, term_days: int) -> Decimal:
    """The share of the premium kept (0–100) after ``days_used`` of ``term_days``."""
    if table.method == ShortRateTable.Method.PRO_RATA:
        if term_days <= 0:
            return Decimal(100)
        return min(Decimal(100), Decimal(days_used) * 100 / Decimal(term_days))
    bands = sorted(table.bands.all(), key=lambda band: band.up_to_days) if table.pk else []
    for band in bands:
        if days_used <= band.up_to_days:
            return band.kept_percent
    return Decimal(100)


def refund_quote(
    *, line_code: str, premium: Decimal, start: dt.date, end: dt.date, last_day: dt.date
) -> RefundQuote:
    """The refund of a policy of ``premium`` covering ``start``–``end``, ended on
    ``last_day``: days used counted from the start (none before it), the kept share rounded
    to whole rials (half up), the refund the rest."""
    table = table_for(line_code)
    term_days = max(0, (end - start).days)
    days_used = min(term_days, max(0, (last_day - start).days))
    percent = kept_percent_for(table, days_used=days_used, term_days=term_days)
    kept = min(premium, to_rials(premium * percent / 100))
    return RefundQuote(
        table=table,
        last_day=last_day,
        premium=premium,
        term_days=term_days,
        days_used=days_used,
        kept_percent=percent.quantize(Decimal("0.01")),
        kept=kept,
        refund=premium - kept,
    )

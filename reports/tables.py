"""A report's table, built once and shown twice: as HTML on the page and as a sheet of the
Excel download, so the file holds exactly what the page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from django.utils.safestring import SafeData, SafeString, mark_safe

from core import xlsx
from core.digits import (
    LATIN_DIGITS,
    PERSIAN_DECIMAL_SEPARATOR,
    PERSIAN_DIGITS,
    PERSIAN_THOUSANDS_SEPARATOR,
    localize_digits,
    persian_digits_active,
)
from core.templatetags.jalali import rials

TEXT = "text"
COUNT = "count"
RIALS = "rials"
PERCENT = "percent"
MINUTES = "minutes"

_SHEET_KIND = {
    TEXT: xlsx.TEXT,
    COUNT: xlsx.NUMBER,
    RIALS: xlsx.NUMBER,
    PERCENT: xlsx.DECIMAL,
    MINUTES: xlsx.DECIMAL,
}
_SHEET_WIDTH = {TEXT: 22, COUNT: 10, RIALS: 18, PERCENT: 10, MINUTES: 10}
_TO_PERSIAN = str.maketrans(LATIN_DIGITS, PERSIAN_DIGITS)


def _shown(kind: str, value: Any, persian: bool) -> str:
    """A value as the page writes it, escaped: what the filters ``rials`` (rials),
    ``fa_decimal`` (percentages, minutes) and ``fa_digits`` (the rest) give, written here
    without asking for the active language at every cell."""
    if isinstance(value, SafeData):
        return localize_digits(value)
    if kind == RIALS:
        if isinstance(value, int) or (
            isinstance(value, Decimal) and value.is_finite() and value == value.to_integral()
        ):
            text = f"{int(value):,}"
            if persian:
                return text.replace(",", PERSIAN_THOUSANDS_SEPARATOR).translate(_TO_PERSIAN)
            return text
        return escape(rials(value))
    text = str(value)
    if kind in (PERCENT, MINUTES):
        return (
            text.translate(_TO_PERSIAN).replace(".", PERSIAN_DECIMAL_SEPARATOR) if persian else text
        )
    if persian:
        text = text.translate(_TO_PERSIAN)
    return text if isinstance(value, int) else escape(text)


@dataclass(frozen=True)
class Col:
    title: Any
    kind: str = TEXT


@dataclass
class Table:
    """``rows`` and ``total`` hold raw values (Latin digits, ``Decimal`` rials, ``None`` for
    "nothing to say"); the page writes them in Persian, the sheet keeps them as numbers."""

    key: str
    title: Any
    columns: Sequence[Col]
    rows: list[list[Any]] = field(default_factory=list)
    total: list[Any] | None = None

    def _cells(self, values: Sequence[Any]) -> list[tuple[str, Any]]:
        return [(column.kind, value) for column, value in zip(self.columns, values, strict=True)]

    def _html_row(
        self, values: Sequence[Any], empty: str, persian: bool, seen: dict[tuple[str, Any], str]
    ) -> str:
        kinds = [column.kind for column in self.columns]
        cells = []
        for kind, value in zip(kinds, values, strict=True):
            if value is None:
                cells.append(f"<td>{empty}</td>")
                continue
            # Whole numbers repeat (zeros, small counts, tariff premiums): written once each.
            whole = type(value) is int or (kind == RIALS and type(value) is Decimal)
            key = (kind, value)
            shown = seen.get(key) if whole else None
            if shown is None:
                shown = _shown(kind, value, persian)
                if whole:
                    seen[key] = shown
            cells.append(f"<td>{shown}</td>")
        return "".join(cells)

    @property
    def html_body(self) -> list[SafeString]:
        """Each row's cells as HTML, written here rather than by the template: a report of
        2,000 agencies has 40,000 cells, which the template language took ~0.7 s to write
        (the values are escaped here as the template would)."""
        persian = persian_digits_active()
        seen: dict[tuple[str, Any], str] = {}
        return [
            mark_safe(f"<tr>{self._html_row(row, '—', persian, seen)}</tr>")  # noqa: S308 - escaped
            for row in self.rows
        ]

    @property
    def html_foot(self) -> SafeString | None:
        if self.total is None:
            return None
        return mark_safe(self._html_row(self.total, "", persian_digits_active(), {}))  # noqa: S308 - escaped

    def write(self, book: xlsx.XlsxWriter) -> None:
        sheet = book.sheet(
            str(self.title),
            [
                xlsx.Column(str(column.title), _SHEET_KIND[column.kind], _SHEET_WIDTH[column.kind])
                for column in self.columns
            ],
        )
        sheet.rows(self.rows)
        if self.total is not None:
            sheet.row(self.total)
        sheet.close()


def write_tables(tables: Sequence[Table]):
    """The ``write`` callback of :func:`core.xlsx.xlsx_response`: one sheet per table."""

    def write(book: xlsx.XlsxWriter) -> None:
        for table in tables:
            table.write(book)

    return write


def percent_of(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def minutes(duration: dt.timedelta | None) -> Decimal | None:
    """A duration in minutes with one decimal (``None`` stays ``None``)."""
    if duration is None:
        return None
    seconds = Decimal(duration.days * 86400 + duration.seconds) + Decimal(
        duration.microseconds
    ) / Decimal(1_000_000)
    return (seconds / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

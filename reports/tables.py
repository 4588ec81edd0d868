"""A report's table, built once and shown twice: as HTML on the page and as a sheet of the
Excel download, so the file holds exactly what the page shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core import xlsx

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

    @property
    def html_rows(self) -> list[list[tuple[str, Any]]]:
        return [self._cells(row) for row in self.rows]

    @property
    def html_total(self) -> list[tuple[str, Any]] | None:
        return self._cells(self.total) if self.total is not None else None

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

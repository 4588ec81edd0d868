"""The rows of an import file, one at a time: an Excel workbook read by
:mod:`core.xlsx_reader` (streamed from the zip, memory flat whatever its length) or CSV text in UTF-8
(with or without a byte-order mark). Every cell comes out as text with Latin digits, or as a
``date`` when Excel holds a real date; empty rows are skipped."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.digits import to_latin_digits
from core.text import search_key
from core.xlsx import Column as XlsxColumn
from core.xlsx import XlsxWriter
from core.xlsx_reader import xlsx_rows

XLSX = "xlsx"
CSV = "csv"


@dataclass(frozen=True)
class Column:
    key: str
    title: Any  # lazy: the header's name in the page's language
    width: float = 16
    aliases: tuple[str, ...] = ()  # other headers people write for it


# The template's columns, in its order; a file may hold them in any order, with the header
# in Persian or English, or the key itself.
COLUMNS = [
    Column("national_code", _("National code"), 14),
    Column("mobile", _("Mobile"), 14),
    Column("first_name", _("First name")),
    Column("last_name", _("Last name")),
    Column("insurer", _("Insurer"), aliases=("بیمه گر", "شرکت بیمه", "بیمه‌گر قبلی")),
    Column("line", _("Line"), aliases=("رشته", "نوع بیمه")),
    Column("number", _("Policy number"), 20, aliases=("شماره", "شماره بیمه نامه")),
    Column("start_date", _("Start date"), 12, aliases=("شروع",)),
    Column("end_date", _("Expiry date"), 12, aliases=("تاریخ انقضا", "انقضا", "پایان")),
    Column("premium", _("Premium (rials)"), 16, aliases=("حق بیمه", "مبلغ")),
    Column("plate", _("Plate")),
    Column("notes", _("Notes"), 30),
]
COLUMN_TITLES = {column.key: column.title for column in COLUMNS}


def header_keys() -> dict[str, str]:
    """Every accepted spelling of a header (as a search key) → its column's key."""
    keys: dict[str, str] = {}
    for column in COLUMNS:
        keys[search_key(column.key)] = column.key
        for alias in column.aliases:
            keys[search_key(alias)] = column.key
        for language in ("fa", "en"):
            with translation.override(language):
                keys[search_key(str(column.title))] = column.key
    return keys


class FileUnreadable(Exception):
    """The file is not a table we can read (its message says why, in the page's language)."""


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return str(value)
    return to_latin_digits(str(value)).strip()


def _xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    return xlsx_rows(stream)


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    first = text.readline()
    try:
        dialect: Any = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = itertools.chain(csv.reader(io.StringIO(first), dialect), csv.reader(text, dialect))
    yield from enumerate(rows, start=1)


def table_rows(stream: IO[bytes], kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number as the spreadsheet shows it, {column key: value})`` for each row under
    the header; raises :class:`FileUnreadable` for a file without a header we know."""
    raw = _xlsx_rows(stream) if kind == XLSX else _csv_rows(stream)
    keys = header_keys()
    columns: list[str | None] | None = None
    for number, values in raw:
        cells = [_cell(value) for value in values]
        if not any(cell != "" for cell in cells):
            continue
        if columns is None:
            columns = [keys.get(search_key(str(cell))) if cell != "" else None for cell in cells]
            missing = [
                column
                for column in ("insurer", "line", "number", "end_date")
                if column not in columns
            ]
            if missing:
                raise FileUnreadable(
                    gettext("The file has no column named %(names)s; use the template.")
                    % {"names": "، ".join(f"«{COLUMN_TITLES[key]}»" for key in missing)}
                )
            continue
        row = dict.fromkeys(COLUMN_TITLES, "")
        for key, cell in zip(columns, cells, strict=False):
            if key is not None:
                row[key] = cell
        yield number, row
    if columns is None:
        raise FileUnreadable(gettext("The file is empty."))


def template_write(book: XlsxWriter) -> None:
    """The import template: the columns' Persian headers, right to left, and one example."""
    sheet = book.sheet(
        str(_("Policies")),
        [XlsxColumn(str(column.title), width=column.width) for column in COLUMNS],
    )
    sheet.row(
        [
            "0499370899",
            "09121234567",
            "علی",
            "رضایی",
            "بیمه ایران",
            "شخص ثالث",
            "1403-12345",
            "۱۴۰۳/۰۵/۱۲",
            "۱۴۰۴/۰۵/۱۱",
            "12500000",
            "۲۲ج۴۵۶-۱۱",
            "",
        ]
    )

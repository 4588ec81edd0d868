"""Uploaded lists of numbers: an Excel workbook (streamed, core.xlsx_reader), a CSV file or
text pasted into the form. Each row gives its first cell holding a digit; a first row without
any digit is the header. Numbers in any form (Persian or Arabic digits, ``+98``, spaces,
dashes) are normalised (core.validators.normalize_mobile)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.digits import to_latin_digits
from core.validators import normalize_mobile
from core.xlsx_reader import xlsx_rows

# Rows read from one list at most: more is refused before anything is kept.
MAX_ROWS = 200_000
_SPLIT = re.compile(r"[,;،؛\t]")


class ListUnreadable(Exception):
    """The file is not a list we can read (its message says why, in Persian)."""


def _has_digit(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


def _first_number(cells: Iterable[Any]) -> str | None:
    """The first cell holding a digit, as text; ``None`` when the row has none."""
    for cell in cells:
        text = to_latin_digits(str(cell if cell is not None else "")).strip()
        if _has_digit(text):
            return text
    return None


def _csv_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    first = text.readline()
    try:
        dialect: Any = csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield 1, next(csv.reader(io.StringIO(first), dialect), [])
    yield from enumerate(csv.reader(text, dialect), start=2)


def _text_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, _SPLIT.split(line)


def list_kind(name: str, head: bytes) -> str:
    """``xlsx`` or ``csv``, from the file's first bytes (a workbook is a zip) and its name."""
    if head.startswith(b"PK"):
        return "xlsx"
    if name.lower().endswith((".xls", ".xlsx")):
        raise ListUnreadable(_("This Excel file could not be read; save it as .xlsx or CSV."))
    return "csv"


def list_entries(
    *, stream: IO[bytes] | None = None, name: str = "", text: str = ""
) -> Iterator[tuple[int, str, str | None]]:
    """``(row, what the row held, the normalised number or None when invalid)`` for each
    row with something in it, in order; the header row is left out."""
    rows: Iterator[tuple[int, list[Any]]]
    if stream is not None:
        head = stream.read(4)
        stream.seek(0)
        rows = xlsx_rows(stream) if list_kind(name, head) == "xlsx" else _csv_rows(stream)
    else:
        rows = _text_rows(text)
    seen_any = False
    try:
        for row, cells in rows:
            if row > MAX_ROWS:
                raise ListUnreadable(
                    _("A list may hold at most %(count)s rows.") % {"count": f"{MAX_ROWS:,}"}
                )
            raw = _first_number(cells)
            if raw is None:
                shown = " ".join(str(cell).strip() for cell in cells if str(cell).strip())
                if shown and seen_any:
                    yield row, shown[:60], None
                seen_any = seen_any or bool(shown)
                continue
            seen_any = True
            try:
                yield row, raw[:60], normalize_mobile(raw)
            except ValidationError:
                yield row, raw[:60], None
    except UnicodeDecodeError as error:
        raise ListUnreadable(_("Save the CSV file in UTF-8 and upload it again.")) from error
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as error:
        # A damaged workbook (SyntaxError: ElementTree's ParseError).
        raise ListUnreadable(_("This file could not be read as a list of numbers.")) from error

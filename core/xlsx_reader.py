"""A streaming reader of the first sheet of an Excel (.xlsx) workbook, for imports.

openpyxl's read-only mode streams too, but builds a cell object (and, for inline strings, a
rich-text tree) for every cell: 0.17 ms of CPU a row of twelve cells, most of an import's
time. This reader walks the sheet's XML with the C parser and gives plain values, in about
half the time (decision 028); its memory is the shared strings plus one row (rows are dropped
as they are read).

    with open(path, "rb") as stream:
        for number, values in xlsx_rows(stream):
            ...  # number as Excel shows it; values: str, or datetime.date for a date cell

A cell holds its text (shared or inline string, the cached result of a formula), its number
as written in the file ("12500000", "0.5"; a whole number stored as "1.25E7" comes back as
"12500000"), "TRUE"/"FALSE", a ``date`` when its style is a date format, or "" (empty or
an error). A damaged package raises ``zipfile.BadZipFile``, ``KeyError`` or ``ParseError``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import ParseError, iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
_TEXT, _RUN, _INLINE, _SI = f"{_MAIN}t", f"{_MAIN}r", f"{_MAIN}is", f"{_MAIN}si"
_SHEET_DATA = f"{_MAIN}sheetData"
# Built-in number formats that show a date (ECMA-376 §18.8.30, and the East Asian ones).
_DATE_FORMATS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_EPOCH = dt.date(1899, 12, 30)
_COLUMN = re.compile(r"[A-Z]+")


class _NoDoctype:
    """A package member for the XML parser, refused if its prolog declares a document type:
    workbooks have none, and entities (billion laughs, external files) need one. expat 2.4+
    limits entity expansion anyway and ElementTree never fetches external entities; this
    keeps even the declaration out."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        head = stream.read(4096)
        if b"<!doctype" in head.lower() or b"<!entity" in head.lower():
            raise ParseError("document type declarations are not accepted")
        self._head = head

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._stream.read(size)


def _parse(package: zipfile.ZipFile, path: str, events: Any = ("end",)) -> Any:
    with package.open(path) as member:
        yield from iterparse(_NoDoctype(member), events=events)  # noqa: S314 - see _NoDoctype


def _text_of(element: Any) -> str:
    """The text of a string item: its ``t``, or its runs' ``t`` (phonetic hints left out)."""
    parts = []
    for child in element:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == _RUN:
            for text in child.iter(_TEXT):
                parts.append(text.text or "")
    return "".join(parts)


def _shared_strings(package: zipfile.ZipFile, path: str) -> list[str]:
    if path not in package.namelist():
        return []
    strings = []
    for _event, element in _parse(package, path):
        if element.tag == _SI:
            strings.append(_text_of(element))
            element.clear()
    return strings


def _date_styles(package: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell styles whose number format shows a date."""
    path = "xl/styles.xml"
    if path not in package.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = False
    for event, element in _parse(package, path, ("start", "end")):
        tag = element.tag
        if tag == f"{_MAIN}numFmt" and event == "end":
            custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
        elif tag == f"{_MAIN}cellXfs":
            in_cell_xfs = event == "start"
        elif tag == f"{_MAIN}xf" and event == "end" and in_cell_xfs:
            formats.append(int(element.get("numFmtId", "0")))
    dates = set()
    for index, number in enumerate(formats):
        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", custom.get(number, "")).lower()
        if number in _DATE_FORMATS or (number in custom and re.search(r"[dy]", code)):
            dates.add(index)
    return dates


def _first_sheet(package: zipfile.ZipFile) -> str:
    sheet = next(
        element
        for _event, element in _parse(package, "xl/workbook.xml")
        if element.tag == f"{_MAIN}sheet"
    )
    relation = sheet.get(f"{_REL}id")
    for _event, element in _parse(package, "xl/_rels/workbook.xml.rels"):
        if element.tag == f"{_PACKAGE_REL}Relationship" and element.get("Id") == relation:
            target = element.get("Target", "")
            break
    else:
        raise KeyError(relation)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join("xl", target))


def _column_index(reference: str) -> int:
    letters = _COLUMN.match(reference)
    index = 0
    for letter in letters.group() if letters else "":
        index = index * 26 + ord(letter) - 64
    return index - 1


def _number(text: str) -> str:
    if text.isdigit():
        return text
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and "E" in text.upper() else text


def xlsx_rows(stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, values)`` of every row of the workbook's first sheet, in order."""
    with zipfile.ZipFile(stream) as package:
        sheet_path = _first_sheet(package)
        strings = _shared_strings(package, "xl/sharedStrings.xml")
        dates = _date_styles(package)
        data = None
        number = 0
        for event, element in _parse(package, sheet_path, ("start", "end")):
            if event == "start":
                if element.tag == _SHEET_DATA:
                    data = element
                continue
            if element.tag != _ROW:
                continue
            number = int(element.get("r") or number + 1)
            values: list[Any] = []
            for position, cell in enumerate(element.iter(_CELL)):
                reference = cell.get("r")
                index = _column_index(reference) if reference else position
                if index >= len(values):
                    values.extend([""] * (index + 1 - len(values)))
                values[index] = _value(cell, strings, dates)
            yield number, values
            element.clear()
            if data is not None:
                data.remove(element)  # the row read is dropped: memory stays flat


def _value(cell: Any, strings: list[str], dates: set[int]) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        return _text_of(inline) if inline is not None else ""
    value = cell.find(_VALUE)
    text = value.text if value is not None and value.text is not None else ""
    if kind == "s":
        return strings[int(text)] if text else ""
    if kind in ("str", "e"):
        return text if kind == "str" else ""
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if not text:
        return ""
    if int(cell.get("s", "0")) in dates:
        try:
            return _EPOCH + dt.timedelta(days=int(float(text)))
        except (ValueError, OverflowError):
            return text
    return _number(text)

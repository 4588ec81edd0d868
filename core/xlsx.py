"""A streaming, reproducible Excel (.xlsx) writer for exports of any size.

Rows go straight into the zip member as they come, so memory stays flat however many rows
a file has (a settlement of 500,000 items, a cross-agency report). The same rows give the
same bytes: every zip entry carries a fixed timestamp and nothing in the package records
when it was written. Sheets read right to left by default (Persian).

    with XlsxWriter(path) as book:
        sheet = book.sheet("Items", [Column("Policy", width=18), Column("Amount", NUMBER)])
        sheet.row(["1405-TP-000001", 65314000])
        book.sheet("Totals", [...]).row([...])

A sheet is written completely before the next one starts (one zip member at a time).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from django.http import HttpResponse

TEXT = "text"
NUMBER = "number"  # integers shown with thousands separators (rials)
DECIMAL = "decimal"  # two decimals (percentages)

MAX_ROWS = 1_048_576  # Excel's limit per sheet, the header row included
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_STYLE = {TEXT: 0, NUMBER: 2, DECIMAL: 3}  # cellXfs indexes in styles.xml; 1 = bold header
# Characters XML 1.0 forbids; a stray one in a name would make Excel refuse the file.
_FORBIDDEN = dict.fromkeys((*range(0, 9), 11, 12, *range(14, 32)))


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = TEXT
    width: float = 14


_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]")
_TEXT_CELL = '<c t="inlineStr"><is><t>%s</t></is></c>'
_NUMBER_CELL = {kind: f'<c s="{style}"><v>%s</v></c>' for kind, style in _STYLE.items()}


_NUMERIC = frozenset({int, Decimal})


def _not_a_number(value: Any) -> Any:
    raise TypeError(value)


def _text(value: Any) -> str:
    if value is None:
        raise ValueError("empty cell")
    text = str(value)
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return escape(text.translate(_FORBIDDEN))


def _row_formatter(columns: Sequence[Column]) -> Callable[[int, Sequence[Any]], str]:
    """A function writing one row of ``columns`` to XML, made once per sheet: a row is a few
    microseconds of work whatever its width (exports write millions of cells). A value of
    another kind than its column's, or missing, raises and takes the slow, general path."""
    cells = "".join(
        _TEXT_CELL if column.kind == TEXT else _NUMBER_CELL[column.kind] for column in columns
    )
    names = [f"v{index}" for index in range(len(columns))]
    parts = []
    for name, column in zip(names, columns, strict=True):
        if column.kind == TEXT:
            # Plain text (the usual case) is taken as it is; anything else is escaped.
            parts.append(
                f"({name} if {name}.__class__ is str and {name}.isprintable() and '&' not in "
                f"{name} and '<' not in {name} and '>' not in {name} else text({name}))"
            )
        else:
            parts.append(f"({name} if {name}.__class__ in numeric else not_a_number({name}))")
    unpack = ", ".join(names) + ("," if len(names) == 1 else "")
    source = (
        f"def format_row(number, values):\n"
        f"    {unpack} = values\n"
        f"    return template % (number, {', '.join(parts)})\n"
    )
    scope: dict[str, Any] = {
        "template": f'<row r="%d">{cells}</row>',
        "text": _text,
        "numeric": _NUMERIC,
        "not_a_number": _not_a_number,
    }
    # The code is made from column positions only, never from any value.
    exec(source, scope)  # noqa: S102
    return scope["format_row"]


class SheetWriter:
    """Rows of one sheet; past Excel's row limit the rows continue on a new sheet."""

    def __init__(self, book: XlsxWriter, title: str, columns: Sequence[Column]) -> None:
        self._book = book
        self._title = title
        self._columns = list(columns)
        self._format = _row_formatter(self._columns)
        self._stream: IO[bytes] | None = None
        self._row = 0
        self._part = 0
        self._buffer: list[str] = []
        self._open()

    def _open(self) -> None:
        self._part += 1
        title = self._title if self._part == 1 else f"{self._title} ({self._part})"
        self._stream = self._book._begin_sheet(title)
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{column.width}" customWidth="1"/>'
            for i, column in enumerate(self._columns, start=1)
        )
        rtl = ' rightToLeft="1"' if self._book.right_to_left else ""
        self._stream.write(
            (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f'<sheetViews><sheetView workbookViewId="0"{rtl}>'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                "</sheetView></sheetViews>"
                f"<cols>{cols}</cols><sheetData>"
            ).encode()
        )
        self._row = 0
        self._write_row([column.title for column in self._columns], header=True)

    def _write_row(self, values: Sequence[Any], *, header: bool = False) -> None:
        self._row += 1
        if header:
            cells = "".join(
                f'<c s="1" t="inlineStr"><is><t>{_text(value)}</t></is></c>' for value in values
            )
            self._buffer.append(f'<row r="{self._row}">{cells}</row>')
            return
        try:
            self._buffer.append(self._format(self._row, values))
        except (TypeError, ValueError):
            cells = "".join(
                [
                    _NUMBER_CELL[column.kind] % value
                    if column.kind != TEXT and value.__class__ in _NUMERIC
                    else ("<c/>" if value is None else _TEXT_CELL % _text(value))
                    for column, value in zip(self._columns, values, strict=False)
                ]
            )
            self._buffer.append(f'<row r="{self._row}">{cells}</row>')
        if len(self._buffer) >= 2000:
            self._flush()

    def _flush(self) -> None:
        if self._buffer and self._stream is not None:
            self._stream.write("".join(self._buffer).encode())
            self._buffer.clear()

    def row(self, values: Sequence[Any]) -> None:
        if self._row >= MAX_ROWS:
            self._finish()
            self._open()
        self._write_row(values)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.row(values)

    def _finish(self) -> None:
        if self._stream is None:
            return
        self._flush()
        self._stream.write(b"</sheetData></worksheet>")
        self._stream.close()
        self._stream = None

    def close(self) -> None:
        self._finish()
        self._book._sheet_closed(self)


class XlsxWriter:
    """An .xlsx package written to ``target`` (a path or a binary file open for writing)."""

    def __init__(self, target: str | Path | IO[bytes], *, right_to_left: bool = True) -> None:
        self.right_to_left = right_to_left
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._titles: list[str] = []
        self._current: SheetWriter | None = None

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _member(self, name: str, mode: str = "w") -> IO[bytes]:
        info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return self._zip.open(info, mode="w", force_zip64=True)

    def _begin_sheet(self, title: str) -> IO[bytes]:
        self._titles.append(title)
        return self._member(f"xl/worksheets/sheet{len(self._titles)}.xml")

    def _sheet_closed(self, sheet: SheetWriter) -> None:
        if self._current is sheet:
            self._current = None

    def sheet(self, title: str, columns: Sequence[Column]) -> SheetWriter:
        """Start the next sheet (the previous one is finished first)."""
        if self._current is not None:
            self._current.close()
        # Excel limits sheet names to 31 characters without []:*?/\
        clean = "".join(char for char in title if char not in "[]:*?/\\")[:24] or "Sheet"
        self._current = SheetWriter(self, clean, columns)
        return self._current

    def close(self) -> None:
        if self._zip.fp is None:
            return
        if self._current is not None:
            self._current.close()
        if not self._titles:
            self.sheet("Sheet", [Column("")]).close()
        self._write_package()
        self._zip.close()

    def _put(self, name: str, text: str) -> None:
        with self._member(name) as stream:
            stream.write(text.encode())

    def _write_package(self) -> None:
        count = len(self._titles)
        sheets_ct = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        self._put(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheets_ct}</Types>",
        )
        self._put(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        sheets = "".join(
            f'<sheet name="{_text(title)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, title in enumerate(self._titles, start=1)
        )
        self._put(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{sheets}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        self._put(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        )
        self._put(
            "xl/styles.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Vazirmatn"/></font>'
            '<font><b/><sz val="11"/><name val="Vazirmatn"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            '<cellXfs count="4">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
            "</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>",
        )


def xlsx_response(filename: str, write: Callable[[XlsxWriter], None]) -> HttpResponse:
    """An HTTP download of a workbook that ``write`` fills (for pages' "Excel" buttons; a
    file of hundreds of thousands of rows is written by a task to a file instead)."""
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        write(book)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

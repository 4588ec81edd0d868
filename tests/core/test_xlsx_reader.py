"""The streaming .xlsx reader gives what openpyxl reads from the same workbooks: shared and
inline strings, numbers, dates, booleans, gaps, rich text; it refuses a document type."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.etree.ElementTree import ParseError

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from core.xlsx import Column, XlsxWriter
from core.xlsx_reader import xlsx_rows


def _openpyxl_rows(data: bytes) -> list[tuple[int, list]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = []
    for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        cleaned = []
        for value in values:
            if value is None:
                cleaned.append("")
            elif isinstance(value, dt.datetime):
                cleaned.append(value.date())
            elif isinstance(value, bool):
                cleaned.append("TRUE" if value else "FALSE")
            elif isinstance(value, (int, float)):
                cleaned.append(str(int(value)) if float(value).is_integer() else str(value))
            else:
                cleaned.append(str(value))
        while cleaned and cleaned[-1] == "":
            cleaned.pop()
        if cleaned:
            rows.append((number, cleaned))
    return rows


def _ours(data: bytes) -> list[tuple[int, list]]:
    rows = []
    for number, values in xlsx_rows(io.BytesIO(data)):
        while values and values[-1] == "":
            values.pop()
        if values:
            rows.append((number, values))
    return rows


def test_a_workbook_saved_by_openpyxl_reads_the_same():
    book = Workbook()
    sheet = book.active
    sheet.title = "بیمه‌نامه‌ها"
    sheet.append(["کد ملی", "تاریخ", "مبلغ", "بله", "متن"])
    sheet.append(["0499370899", dt.datetime(2024, 8, 2), 12500000, True, "۱۴۰۳/۰۵/۱۲"])
    sheet.append([None, None, 0.5, False, "علی"])
    sheet["G5"] = "دور"  # a gap of a row and of columns
    sheet["A6"] = CellRichText(["بیمه ", TextBlock(InlineFont(b=True), "ایران")])
    second = book.create_sheet("دوم")
    second.append(["not read"])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    ours = _ours(data)
    assert ours == _openpyxl_rows(data)
    assert ours[1] == (2, ["0499370899", dt.date(2024, 8, 2), "12500000", "TRUE", "۱۴۰۳/۰۵/۱۲"])
    assert ours[3] == (5, ["", "", "", "", "", "", "دور"])
    assert ours[4] == (6, ["بیمه ایران"])


def test_our_own_writers_inline_strings_read_the_same():
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        sheet = book.sheet("Items", [Column("نام"), Column("مبلغ", "number")])
        for n in range(3):
            sheet.row([f"ردیف {n}", 1000 * n])
    data = buffer.getvalue()
    assert _ours(data) == _openpyxl_rows(data)
    assert _ours(data)[1] == (2, ["ردیف 0", "0"])


def test_a_document_type_is_refused():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                declaration, _sep, rest = content.partition(b"?>")
                doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
                content = declaration + b"?>" + doctype + rest if rest else doctype + content
            target.writestr(item, content)
    with pytest.raises(ParseError):
        list(xlsx_rows(io.BytesIO(evil.getvalue())))

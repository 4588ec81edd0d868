"""The streaming Excel writer: files Excel readers open, the same bytes for the same rows,
right to left, and rows past a sheet's limit carried over to the next sheet."""

from __future__ import annotations

import hashlib
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from core import xlsx
from core.xlsx import DECIMAL, NUMBER, Column, XlsxWriter

COLUMNS = [Column("شماره بیمه‌نامه", width=20), Column("مبلغ", NUMBER), Column("درصد", DECIMAL)]


def _book(rows, **kwargs) -> bytes:
    buffer = io.BytesIO()
    with XlsxWriter(buffer, **kwargs) as book:
        book.sheet("اقلام", COLUMNS).rows(rows)
        book.sheet("جمع", [Column("شرح"), Column("مبلغ", NUMBER)]).row(["جمع <کل> & باقی", 3])
    return buffer.getvalue()


def test_a_reader_sees_the_rows_with_their_types():
    data = _book(
        [
            ["1405-TP-000001", Decimal("65314000"), Decimal("5.00")],
            ["1405-TP-000002", 1200, None],
            ["bad\x01char", "not a number", Decimal("12.50")],
            [685, True, None],
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["اقلام", "جمع"]
    rows = [[cell.value for cell in row] for row in book["اقلام"].iter_rows()]
    assert rows == [
        ["شماره بیمه‌نامه", "مبلغ", "درصد"],
        ["1405-TP-000001", 65314000, 5],
        ["1405-TP-000002", 1200, None],
        ["badchar", "not a number", 12.5],
        ["685", "True", None],
    ]
    assert book["اقلام"]["B2"].number_format == "#,##0"
    assert book["اقلام"].sheet_view.rightToLeft is True
    assert book["جمع"]["A2"].value == "جمع <کل> & باقی"


def test_the_same_rows_give_the_same_bytes():
    rows = [[f"1405-TP-{n:06d}", n * 1000, Decimal("5.00")] for n in range(3000)]
    first, second = _book(rows), _book(rows)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    assert _book(rows[:-1]) != first
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_left_to_right_when_asked():
    book = openpyxl.load_workbook(io.BytesIO(_book([], right_to_left=False)))
    assert not book["اقلام"].sheet_view.rightToLeft


def test_rows_past_the_limit_go_on_a_second_sheet(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)  # a header and two rows per sheet
    data = _book([[f"p{n}", n, None] for n in range(5)])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["اقلام", "اقلام (2)", "اقلام (3)", "جمع"]
    assert [row[0].value for row in book["اقلام (2)"].iter_rows()] == ["شماره بیمه‌نامه", "p2", "p3"]
    assert [row[0].value for row in book["اقلام (3)"].iter_rows()] == ["شماره بیمه‌نامه", "p4"]


@pytest.mark.parametrize("title", ["a/b:c*?[x]\\", ""])
def test_sheet_names_excel_refuses_are_cleaned(title):
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        book.sheet(title, [Column("x")]).row(["1"])
    assert openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).sheetnames == [
        "abcx" if title else "Sheet"
    ]


def test_a_download_of_a_workbook():
    response = xlsx.xlsx_response(
        "report.xlsx", lambda book: book.sheet("x", [Column("n", NUMBER)]).row([7])
    )
    assert response["Content-Disposition"] == 'attachment; filename="report.xlsx"'
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book["x"]["A2"].value == 7

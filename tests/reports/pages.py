"""Reading report pages and their Excel files back in tests."""

from __future__ import annotations

import io
import json
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

import openpyxl

from core.digits import to_latin_digits


class _Tables(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.inside = False
        self.depth = 0
        self.head = False
        self.rows: list[list[str]] = []
        self.header: list[str] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            if self.inside:
                self.depth += 1
            elif dict(attrs).get("id") == self.table_id:
                self.inside = True
        if not self.inside:
            return
        if tag == "thead":
            self.head = True
        elif tag == "tr" and not self.head:
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "table":
            if self.depth:
                self.depth -= 1
            else:
                self.inside = False
        elif tag == "thead":
            self.head = False
        elif tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            (self.header if self.head else self.rows[-1]).append(text)
            self.cell = None

    def handle_data(self, data):
        if self.inside and self.cell is not None:
            self.cell.append(data)


def html_table(html: str, table_id: str) -> tuple[list[str], list[list[str]]]:
    """The header and the body and footer rows of ``<table id=table_id>``, cells as text."""
    parser = _Tables(table_id)
    parser.feed(html)
    return parser.header, parser.rows


def chart_data(html: str, key: str) -> dict:
    marker = f'<script id="chart-data-{key}" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


def workbook(response) -> openpyxl.Workbook:
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)


def sheet_rows(book, index: int) -> list[list]:
    sheet = book.worksheets[index]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def same_value(shown: str, stored) -> bool:
    """A page's cell (Persian digits, ٬ and ٫) against the Excel cell of the same place."""
    text = to_latin_digits(shown).replace("٬", "").replace("٫", ".").strip()
    if stored is None:
        return text in ("", "—")
    try:
        return Decimal(text) == Decimal(str(stored))
    except InvalidOperation:
        return text == to_latin_digits(str(stored))

"""A CRM report as an Excel file (right to left, Persian headers, numbers as numbers, Jalali
dates as text) and as a PDF (WeasyPrint, right to left, Vazirmatn: ``core.pdf``).

The Excel file is written row by row from the database (a batch at a time) into a temporary
file, which the response then streams: memory stays flat whatever the number of rows. A PDF
is for reading and printing, so it holds at most ``PDF_MAX_ROWS`` rows and says so."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils import timezone

from core import xlsx
from core.jalali import format_jalali_date
from core.money import to_rials
from core.pdf import render_pdf
from crm.reporting.catalog import Report
from crm.reporting.cells import COUNT, DATE, DECIMAL, RIALS, Labels
from crm.reporting.forms import Selection

PDF_MAX_ROWS = 500
REPORT_CSS = Path(__file__).resolve().parent / "report.css"
_SHEET_KIND = {COUNT: xlsx.NUMBER, RIALS: xlsx.NUMBER, DECIMAL: xlsx.DECIMAL}
_SHEET_WIDTH = {COUNT: 10, RIALS: 16, DECIMAL: 10, DATE: 12}


@lru_cache(maxsize=4096)
def _jalali_day(day: dt.date) -> str:
    """A day as Jalali text (a file repeats few days many times: converted once each)."""
    return format_jalali_date(day, persian_digits=False)


def _sheet_value(kind: str, value: Any) -> Any:
    if value is None or value == "":
        return None
    if kind == DATE:
        if isinstance(value, dt.datetime):
            return format_jalali_date(value, persian_digits=False)
        return _jalali_day(value)
    if kind == RIALS:
        return int(to_rials(value))
    if kind == COUNT:
        return int(value)
    if kind == DECIMAL:
        return Decimal(value)
    return str(value)


def filename(report: Report, selection: Selection, extension: str) -> str:
    day = format_jalali_date(selection.today, persian_digits=False).replace("/", "")
    return f"crm-{report.key}-{day}.{extension}"


def xlsx_write(book: xlsx.XlsxWriter, report: Report, rows: Iterator[list[Any]]) -> None:
    """One sheet: the report's columns as its header, then every row."""
    kinds = [column.kind for column in report.columns]
    sheet = book.sheet(
        str(report.title),
        [
            xlsx.Column(
                str(column.title),
                _SHEET_KIND.get(column.kind, xlsx.TEXT),
                _SHEET_WIDTH.get(column.kind, 22),
            )
            for column in report.columns
        ],
    )
    for cells in rows:
        sheet.row([_sheet_value(kind, value) for kind, value in zip(kinds, cells, strict=True)])
    sheet.close()


def xlsx_response(report: Report, selection: Selection, labels: Labels) -> FileResponse:
    """The whole report as an .xlsx download, streamed from a temporary file."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    with xlsx.XlsxWriter(target) as book:
        xlsx_write(book, report, report.stream(selection, labels))
    target.seek(0)
    response = FileResponse(
        target,
        as_attachment=True,
        filename=filename(report, selection, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_bytes(report: Report, selection: Selection, labels: Labels) -> bytes:
    rows = list(islice(report.stream(selection, labels), PDF_MAX_ROWS + 1))
    return render_pdf(
        template_name="crm/reports/report_pdf.html",
        context={
            "report": report,
            "selection": selection,
            "agency": labels.agency,
            "rows": [
                list(zip(report.columns, cells, strict=True)) for cells in rows[:PDF_MAX_ROWS]
            ],
            "cut": len(rows) > PDF_MAX_ROWS,
            "max_rows": PDF_MAX_ROWS,
            "taken_at": timezone.now(),
        },
        stylesheet=REPORT_CSS,
    )


def pdf_response(report: Report, selection: Selection, labels: Labels) -> HttpResponse:
    response = HttpResponse(pdf_bytes(report, selection, labels), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename(report, selection, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""The SMS log as an Excel file: right to left, Persian headers, Jalali Tehran times, statuses
and sources in words (never their codes). Rows are read a chunk at a time and written to a
temporary file the response streams, so memory stays flat however long the log is."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import xlsx
from core.jalali import format_jalali_datetime, jalali_today
from core.money import to_rials
from core.sms.parts import Line
from messaging.log import received_rows, sent_rows

CHUNK = 2000
MAX_ROWS = xlsx.MAX_ROWS - 1


def _chunks(queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    rows = queryset.iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


def _when(value: Any) -> str:
    return format_jalali_datetime(value, persian_digits=False) if value else ""


def sent_sheet(book: xlsx.XlsxWriter, messages: QuerySet[Any]) -> None:
    lines = dict(Line.choices)
    sheet = book.sheet(
        _("Sent SMS"),
        [
            xlsx.Column(_("Time"), width=18),
            xlsx.Column(_("Number"), width=14),
            xlsx.Column(_("Customer"), width=24),
            xlsx.Column(_("Text"), width=60),
            xlsx.Column(_("Status"), width=14),
            xlsx.Column(pgettext("SMS sender line", "Line"), width=14),
            xlsx.Column(_("Sent by"), width=24),
            xlsx.Column(_("Parts"), xlsx.NUMBER, width=8),
            xlsx.Column(_("Cost (rials)"), xlsx.NUMBER, width=14),
        ],
    )
    for chunk in _chunks(messages[:MAX_ROWS]):
        for row in sent_rows(chunk):
            message = row.message
            sheet.row(
                [
                    _when(message.created_at),
                    message.to,
                    row.customer_name or None,
                    message.body,
                    str(message.get_status_display()),
                    str(lines.get(message.line, "")),
                    row.source_label,
                    int(message.parts),
                    int(to_rials(message.cost)),
                ]
            )
    sheet.close()


def received_sheet(book: xlsx.XlsxWriter, replies: QuerySet[Any]) -> None:
    sheet = book.sheet(
        _("Received SMS"),
        [
            xlsx.Column(_("Time"), width=18),
            xlsx.Column(_("Number"), width=14),
            xlsx.Column(_("Customer"), width=24),
            xlsx.Column(_("Text"), width=60),
            xlsx.Column(_("Asked to stop"), width=12),
        ],
    )
    yes, no = _("Yes"), _("No")
    for chunk in _chunks(replies[:MAX_ROWS]):
        for row in received_rows(chunk):
            reply = row.inbound
            sheet.row(
                [
                    _when(reply.received_at),
                    reply.sender,
                    row.customer_name or None,
                    reply.body,
                    yes if reply.opt_out else no,
                ]
            )
    sheet.close()


def log_xlsx_response(*, received: bool, rows: QuerySet[Any]) -> FileResponse:
    """The filtered log as an .xlsx download, streamed from a temporary file."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    with xlsx.XlsxWriter(target) as book:
        (received_sheet if received else sent_sheet)(book, rows)
    target.seek(0)
    day = jalali_today().strftime("%Y%m%d")
    response = FileResponse(
        target,
        as_attachment=True,
        filename=f"sms-{'received' if received else 'sent'}-{day}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    return response

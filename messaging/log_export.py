"""The SMS log as an Excel file: right to left, Persian headers, Jalali Tehran times, statuses
and sources in words (never their codes). Rows are read a chunk at a time and written to a
temporary file the response streams, so memory stays flat however long the log is."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import xlsx
from core.jalali import format_jalali_date, jalali_today, tehran
from core.models import SmsMessage
from core.money import to_rials
from core.sms.parts import Line
from messaging.log import received_rows, sent_rows

CHUNK = 2000
# A download is written while the member waits (about 20,000 rows a second): past this many
# rows the file says that it holds only the newest and asks for narrower dates.
MAX_ROWS = 200_000


def _chunks(queryset: QuerySet[Any], sheet: xlsx.SheetWriter) -> Iterator[list[Any]]:
    """The rows a chunk at a time, at most ``MAX_ROWS``; a last line says when more matched."""
    rows = queryset[: MAX_ROWS + 1].iterator(chunk_size=CHUNK)
    written = 0
    while chunk := list(islice(rows, CHUNK)):
        if written + len(chunk) > MAX_ROWS:
            yield chunk[: MAX_ROWS - written]
            sheet.row(
                [
                    _("Only the newest %(count)s messages; narrow the dates for the rest.")
                    % {"count": MAX_ROWS}
                ]
            )
            return
        written += len(chunk)
        yield chunk


@lru_cache(maxsize=4096)
def _jalali_day(day: dt.date) -> str:
    """A Tehran day as Jalali text (a file repeats few days many times: converted once each)."""
    return format_jalali_date(day, persian_digits=False)


def _when(value: dt.datetime | None) -> str:
    """``1405/09/15 14:30`` in Tehran time, as ``core.jalali.format_jalali_datetime``."""
    if value is None:
        return ""
    local = value.astimezone(tehran())
    return f"{_jalali_day(local.date())} {local:%H:%M}"


def sent_sheet(book: xlsx.XlsxWriter, messages: QuerySet[Any]) -> None:
    # Labels translated once, not per row (a lazy label costs a lookup each time).
    lines = {code: str(label) for code, label in Line.choices}
    statuses = {code: str(label) for code, label in SmsMessage.Status.choices}
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
    fields = ("id", "created_at", "to", "customer_id", "body", "status", "line", "source")
    for chunk in _chunks(messages.only(*fields, "actor_id", "parts", "cost"), sheet):
        for row in sent_rows(chunk):
            message = row.message
            sheet.row(
                [
                    _when(message.created_at),
                    message.to,
                    row.customer_name or None,
                    message.body,
                    statuses.get(message.status, ""),
                    lines.get(message.line, ""),
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
    for chunk in _chunks(replies, sheet):
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

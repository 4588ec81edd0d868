"""The files exchanged with the core issuing system, as docs/settlement-format.md describes
them: the settlement file we send (CSV, plus an Excel copy for people) and the confirmation
file it sends back. No database here: rows in, bytes out; bytes in, checked lines out.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.digits import to_latin_digits
from core.jalali import format_jalali_date
from core.xlsx import NUMBER, Column, XlsxWriter

LINE_END = "\r\n"

SETTLEMENT_HEADER = (
    "record_type",
    "export_number",
    "business_day",
    "batch_id",
    "agency_code",
    "item_id",
    "policy_number",
    "line_code",
    "issue_date",
    "payment_date",
    "payment_time",
    "gateway",
    "bank_reference",
    "amount_rials",
    "commission_rials",
)
CONFIRMATION_HEADER = (
    "record_type",
    "export_number",
    "item_id",
    "policy_number",
    "core_policy_number",
    "amount_rials",
)
MAIN_SITE_CODE = "0"  # the virtual branch's own main-site sales have no agency code


class ExportRow(NamedTuple):
    """One item as the file shows it (dates are Tehran dates, the time Tehran time).
    ``record_type`` is ``D`` for a sale, ``R`` for the reversal of a cancelled policy's
    sale (its refund; amount and commission negative)."""

    record_type: str
    batch_id: int
    agency_code: int | None
    item_id: int
    policy_number: str
    line_code: str
    issue_date: dt.date
    payment_date: dt.date
    payment_time: str
    gateway: str
    bank_reference: str
    amount: int
    commission: int


@dataclass(frozen=True)
class Totals:
    batches: int
    items: int
    amount: int
    commission: int


class SettlementFileWriter:
    """Writes the settlement CSV and its Excel copy side by side, one item at a time, and
    checks at the end that what was written adds up to the export's control totals."""

    def __init__(self, csv_stream: IO[str], xlsx_stream: IO[bytes], *, number: str, day: dt.date):
        self.number = number
        self.day = _jalali(day)
        self._csv = csv.writer(csv_stream, lineterminator=LINE_END)
        self._csv.writerow(SETTLEMENT_HEADER)
        self._book = XlsxWriter(xlsx_stream)
        with translation.override("fa"):
            self._items = self._book.sheet(_("Items"), _item_columns())
        self._dates: dict[dt.date, str] = {}
        self._batches: list[list[Any]] = []
        self._current: list[Any] | None = None  # batch id, agency code, items, amount, commission
        self.items = self.amount = self.commission = 0

    def _date(self, value: dt.date) -> str:
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = _jalali(value)
        return text

    def add(self, row: ExportRow) -> None:
        if self._current is None or self._current[0] != row.batch_id:
            self._close_batch()
            self._current = [row.batch_id, _code(row.agency_code), 0, 0, 0]
        current = self._current
        current[2] += 1
        current[3] += row.amount
        current[4] += row.commission
        values = [
            row.batch_id,
            current[1],
            row.item_id,
            row.policy_number,
            row.line_code,
            self._date(row.issue_date),
            self._date(row.payment_date),
            row.payment_time,
            row.gateway,
            row.bank_reference,
            row.amount,
            row.commission,
        ]
        self._csv.writerow([row.record_type, self.number, self.day, *values])
        self._items.row(values)

    def _close_batch(self) -> None:
        if self._current is None:
            return
        batch_id, code, items, amount, commission = self._current
        self._csv.writerow(["B", self.number, self.day, batch_id, code, items, amount, commission])
        self._batches.append(self._current)
        self.items += items
        self.amount += amount
        self.commission += commission
        self._current = None

    def finish(self) -> Totals:
        self._close_batch()
        totals = Totals(len(self._batches), self.items, self.amount, self.commission)
        self._csv.writerow(["T", self.number, self.day, *_totals_values(totals)])
        with translation.override("fa"):
            sheet = self._book.sheet(
                _("Batches"),
                [
                    Column(_("Batch"), NUMBER, 10),
                    Column(_("Agency code"), width=12),
                    Column(_("Items"), NUMBER, 10),
                    Column(_("Amount (rials)"), NUMBER, 18),
                    Column(_("Commission (rials)"), NUMBER, 18),
                ],
            )
            sheet.rows(self._batches)
            sheet = self._book.sheet(
                _("Totals"),
                [
                    Column(_("Export"), width=16),
                    Column(_("Business day"), width=12),
                    Column(_("Batches"), NUMBER, 10),
                    Column(_("Items"), NUMBER, 10),
                    Column(_("Amount (rials)"), NUMBER, 18),
                    Column(_("Commission (rials)"), NUMBER, 18),
                ],
            )
            sheet.row([self.number, self.day, *_totals_values(totals)])
        self._book.close()
        return totals


def _totals_values(totals: Totals) -> list[int]:
    return [totals.batches, totals.items, totals.amount, totals.commission]


def _item_columns() -> list[Column]:
    return [
        Column(_("Batch"), NUMBER, 10),
        Column(_("Agency code"), width=12),
        Column(pgettext("settlement item", "Item"), NUMBER, 12),
        Column(_("Policy number"), width=20),
        Column(_("Line"), width=14),
        Column(_("Issued on"), width=12),
        Column(_("Paid on"), width=12),
        Column(_("Paid at"), width=10),
        Column(_("Gateway"), width=12),
        Column(_("Bank reference"), width=20),
        Column(_("Amount (rials)"), NUMBER, 18),
        Column(_("Commission (rials)"), NUMBER, 18),
    ]


def _code(agency_code: int | None) -> str:
    return MAIN_SITE_CODE if agency_code is None else str(agency_code)


def _jalali(value: dt.date) -> str:
    return format_jalali_date(value, persian_digits=False)


# ---- the confirmation file ---------------------------------------------------------------


class ConfirmationFileError(Exception):
    """The confirmation file is refused as a whole: ``line`` (1-based) and a Persian reason."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class ConfirmationLine(NamedTuple):
    line: int
    item_id: int
    policy_number: str
    core_policy_number: str
    amount: int


_REFERENCE = re.compile(r"[\w\-/.]{1,40}")
_NUMBER = re.compile(r"[0-9]{1,18}")
# Amounts: a reversal (a cancelled policy's refund) is confirmed with its negative amount.
_AMOUNT = re.compile(r"-?[0-9]{1,18}")


# A plain C line, the way the core system writes nearly all of them: checked by one match.
_PLAIN_C_LINE = re.compile(
    r"C,(?P<number>[^,\s\"]*),(?P<item>[0-9]{1,18}),(?P<policy>[\w\-/.]{1,40}),"
    r"(?P<core>[\w\-/.]{1,40}),(?P<amount>-?[0-9]{1,18})"
)


def _fields(text: str, line: int) -> list[str]:
    """The fields of one line (a record may not span lines)."""
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as error:
        raise ConfirmationFileError(
            line, _("Not a valid CSV line: %(error)s") % {"error": error}
        ) from error
    return [field.strip() for field in rows[0]] if rows else []


def confirmation_lines(lines: Iterable[str], *, export_number: str) -> Iterator[ConfirmationLine]:
    """Check a confirmation file line by line while yielding its C lines; raise
    ``ConfirmationFileError`` at the first fault. The whole file must have been read (its
    totals line checked) before anything it says may be applied."""
    seen: set[int] = set()
    count = total = 0
    totals_seen = False
    blank_line: int | None = None  # blank lines are allowed at the end only
    last_line = 0
    header = ",".join(CONFIRMATION_HEADER)
    for line, raw in enumerate(_numbered(lines), start=1):
        text = raw.rstrip("\r\n")
        if line == 1:
            if not text.strip():
                raise ConfirmationFileError(
                    1,
                    _(
                        "The file is empty or starts with a blank line; its first line must be "
                        "the header: %(header)s"
                    )
                    % {"header": header},
                )
            if tuple(_fields(text, 1)) != CONFIRMATION_HEADER:
                raise ConfirmationFileError(
                    1, _("The first line must be the header: %(header)s") % {"header": header}
                )
            last_line = 1
            continue
        if not text.strip():
            blank_line = blank_line or line
            continue
        if blank_line is not None:
            raise ConfirmationFileError(blank_line, _("A blank line in the middle of the file."))
        if totals_seen:
            raise ConfirmationFileError(line, _("There is a line after the totals line (T)."))
        last_line = line
        plain = _PLAIN_C_LINE.fullmatch(text)
        if plain is not None and plain["number"] == export_number and plain["item"][0] != "0":
            parsed = ConfirmationLine(
                line, int(plain["item"]), plain["policy"], plain["core"], int(plain["amount"])
            )
        else:
            fields = _fields(text, line)
            if fields[0] == "T":
                _check_totals(fields, line, export_number, count, total)
                totals_seen = True
                continue
            if fields[0] != "C":
                raise ConfirmationFileError(
                    line,
                    _("Unknown record type %(type)s (expected C or T).")
                    % {"type": fields[0] or "∅"},
                )
            parsed = _confirmation_line(fields, line, export_number)
        if parsed.item_id in seen:
            raise ConfirmationFileError(
                line, _("Item %(item)s appears twice in the file.") % {"item": parsed.item_id}
            )
        seen.add(parsed.item_id)
        count += 1
        total += parsed.amount
        yield parsed
    if last_line == 0:
        raise ConfirmationFileError(1, _("The file is empty."))
    if not totals_seen:
        raise ConfirmationFileError(
            last_line + 1, _("The file ends without its totals line (T): it is incomplete.")
        )


def _numbered(lines: Iterable[str]) -> Iterator[str]:
    """The lines with a byte-order mark dropped and Persian or Arabic-Indic digits made Latin
    (every field is a number or a code; the check is skipped for plain ASCII lines)."""
    first = True
    for text in lines:
        if first:
            text = text.lstrip("\ufeff")
            first = False
        yield text if text.isascii() else to_latin_digits(text)


def _confirmation_line(fields: list[str], line: int, export_number: str) -> ConfirmationLine:
    if len(fields) != len(CONFIRMATION_HEADER):
        raise ConfirmationFileError(
            line,
            _("A C line has %(expected)s fields; this one has %(found)s.")
            % {"expected": len(CONFIRMATION_HEADER), "found": len(fields)},
        )
    _record, number, item, policy, core_policy, amount = fields
    if number != export_number:
        raise ConfirmationFileError(
            line,
            _("This line confirms export %(found)s, not %(expected)s.")
            % {"found": number or "∅", "expected": export_number},
        )
    if not _NUMBER.fullmatch(item) or int(item) == 0:
        raise ConfirmationFileError(
            line, _("The item number %(item)s is not a number.") % {"item": item or "∅"}
        )
    if not _REFERENCE.fullmatch(policy):
        raise ConfirmationFileError(line, _("The policy number is missing or malformed."))
    if not _REFERENCE.fullmatch(core_policy):
        raise ConfirmationFileError(
            line, _("The core system's policy number is missing or malformed.")
        )
    if not _AMOUNT.fullmatch(amount):
        raise ConfirmationFileError(
            line,
            _("The amount %(amount)s is not a whole number of rials.") % {"amount": amount or "∅"},
        )
    return ConfirmationLine(line, int(item), policy, core_policy, int(amount))


def _check_totals(fields: list[str], line: int, export_number: str, count: int, total: int) -> None:
    if len(fields) != 4:
        raise ConfirmationFileError(
            line,
            _("The totals line must be T,export_number,item_count,amount_rials."),
        )
    _record, number, items, amount = fields
    if number != export_number:
        raise ConfirmationFileError(
            line,
            _("The totals line is for export %(found)s, not %(expected)s.")
            % {"found": number or "∅", "expected": export_number},
        )
    if not items.isdigit() or int(items) != count:
        raise ConfirmationFileError(
            line,
            _("The totals line counts %(found)s items but the file has %(count)s.")
            % {"found": items or "∅", "count": count},
        )
    if not _AMOUNT.fullmatch(amount) or int(amount) != total:
        raise ConfirmationFileError(
            line,
            _("The totals line says %(found)s rials but the lines add up to %(total)s.")
            % {"found": amount or "∅", "total": total},
        )

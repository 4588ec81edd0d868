"""The rows of a book import, checked one by one: what each column must hold, with the
errors people see (row as Excel numbers it, column title, Persian message)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.digits import localize_digits, parse_decimal
from core.jalali import parse_jalali_date
from core.money import to_rials
from core.text import normalize_identifier, normalize_text, search_key
from core.validators import normalize_mobile
from crm.models import Customer
from crm.selectors.book import OTHER_INSURER, insurer_lookup, line_lookup
from crm.services.book import other_policy_errors
from crm.services.book_files import COLUMN_TITLES
from crm.services.customers import national_code_clean

# Errors kept for the page (the count covers them all).
MAX_ERRORS_SHOWN = 1000

_FIELD_COLUMN = {
    "insurer_code": "insurer",
    "insurer_name": "insurer",
    "line_code": "line",
    "number": "number",
    "start_date": "start_date",
    "end_date": "end_date",
    "premium": "premium",
}
_LIMITS = {"first_name": 100, "last_name": 100, "number": 60, "plate": 30, "insurer": 100}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the column's name as the template shows it
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    file_error: str = ""
    sample: list[dict[str, Any]] = field(default_factory=list)
    new_customers: int = 0
    matched_customers: int = 0
    already_in_book: int = 0
    added: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.error_count

    @property
    def to_add(self) -> int:
        return self.rows - self.already_in_book


@dataclass
class ImportRow:
    number: int
    national_code: str | None
    mobile: str
    first_name: str
    last_name: str
    insurer_code: str
    insurer_name: str
    line_code: str
    policy_number: str
    start_date: dt.date | None
    end_date: dt.date | None
    premium: Decimal | None
    plate: str
    notes: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.insurer_code, self.insurer_name, self.line_code, self.policy_number)


@lru_cache(maxsize=4096)
def _jalali(text: str) -> dt.date:
    """``parse_jalali_date``, remembered: a file repeats the same days many times."""
    return parse_jalali_date(text)


class RowChecker:
    """Turns raw rows into clean ones, collecting errors (a row may have several)."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.insurers = insurer_lookup()
        self.lines = line_lookup()
        self.insurer_codes = {*self.insurers.values(), OTHER_INSURER}
        self.seen: dict[int, int] = {}  # hash of a policy's key → its first row

    def error(self, row: int, column: str, message: str) -> None:
        self.report.error_count += 1
        if len(self.report.errors) < MAX_ERRORS_SHOWN:
            self.report.errors.append(RowError(row, str(COLUMN_TITLES[column]), message))

    def _date(self, number: int, column: str, value: Any) -> dt.date | None:
        if isinstance(value, dt.date) or not value:
            return value or None
        try:
            return _jalali(value)
        except ValueError:
            self.error(number, column, _("Write the date in the Jalali calendar, e.g. 1403/05/12."))
            return None

    def clean(self, number: int, raw: dict[str, Any]) -> ImportRow | None:
        before = self.report.error_count
        for column, limit in _LIMITS.items():
            if len(str(raw[column])) > limit:
                self.error(
                    number,
                    column,
                    _("Too long: at most %(count)s characters.")
                    % {"count": localize_digits(limit)},
                )
        code = None
        try:
            code = national_code_clean(raw["national_code"] or None, party=Customer.Party.PERSON)
        except ValidationError as error:
            self.error(number, "national_code", error.messages[0])
        mobile = ""
        if raw["mobile"]:
            try:
                mobile = normalize_mobile(str(raw["mobile"]))
            except ValidationError as error:
                self.error(number, "mobile", error.messages[0])
        elif not raw["national_code"]:
            self.error(number, "national_code", _("Enter the customer's national code or mobile."))
        insurer_text = normalize_text(str(raw["insurer"]))
        insurer_code = self.insurers.get(search_key(insurer_text), OTHER_INSURER)
        if not insurer_text:
            insurer_code = ""
        premium = None
        if raw["premium"] != "":
            try:
                premium = to_rials(parse_decimal(raw["premium"]))
            except (ValueError, ArithmeticError):
                self.error(number, "premium", _("Enter the premium in rials."))
        row = ImportRow(
            number=number,
            national_code=code,
            mobile=mobile,
            first_name=normalize_text(str(raw["first_name"])),
            last_name=normalize_text(str(raw["last_name"])),
            insurer_code=insurer_code,
            insurer_name=insurer_text if insurer_code == OTHER_INSURER else "",
            line_code=self.lines.get(search_key(str(raw["line"])), ""),
            policy_number=normalize_identifier(str(raw["number"])),
            start_date=self._date(number, "start_date", raw["start_date"]),
            end_date=self._date(number, "end_date", raw["end_date"]),
            premium=premium,
            plate=normalize_text(str(raw["plate"])),
            notes=normalize_text(str(raw["notes"]), multiline=True),
        )
        problems = other_policy_errors(
            insurer_code=row.insurer_code,
            insurer_name=row.insurer_name,
            line_code=row.line_code,
            number=row.policy_number,
            start_date=row.start_date,
            end_date=row.end_date if raw["end_date"] == "" or row.end_date else dt.date.max,
            premium=row.premium,
            insurers=self.insurer_codes,
            lines=set(self.lines.values()),
        )
        if not insurer_text:
            problems["insurer_code"] = _("Enter the insurer.")
        for name, message in problems.items():
            self.error(number, _FIELD_COLUMN[name], message)
        if row.policy_number and not problems:
            first = self.seen.setdefault(hash(row.key), number)
            if first != number:
                self.error(
                    number,
                    "number",
                    _("The file has this policy already, in row %(row)s.")
                    % {"row": localize_digits(first)},
                )
        return row if self.report.error_count == before else None

"""Importing other insurers' policies into the book from an Excel or CSV file (S-6.2).

The file is read a row at a time (:mod:`crm.services.book_files`), in batches of ``BATCH``
rows. The preview's reading (:func:`book_import_check`) writes nothing and reports each bad
row with its row number, column and a Persian message. The import's reading
(:func:`book_import_run`) checks the same way and writes in one transaction; a bad row
anywhere rolls it back, so a file with any bad row imports nothing. Customers are matched by national code,
then by mobile (one query per batch for all its keys), else registered as prospects (source
``import``); policies go in with ``bulk_create`` and an audit row is written per customer.
A policy already in the book (same insurer, line and number) is skipped, so importing the
same file again adds nothing. What stays in memory across batches is one integer per
policy (its key's hash, to report a policy the file repeats); everything else is per batch.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg2 import IntegrityError as PgIntegrityError

from core.digits import localize_digits, parse_decimal
from core.jalali import parse_jalali_date
from core.models import AuditLog
from core.money import to_rials
from core.text import normalize_identifier, normalize_text, search_key
from core.validators import normalize_mobile
from crm.models import BookPolicy, Customer, CustomerPhone
from crm.selectors.book import OTHER_INSURER, insurer_lookup, line_lookup
from crm.services.base import SYSTEM_ACTOR, actor_id, agency_write
from crm.services.book import other_policy_errors
from crm.services.book_files import COLUMN_TITLES, FileUnreadable, table_rows
from crm.services.customers import national_code_clean
from crm.tenancy import schema_require

BATCH = 2000
# Errors kept for the page (the count covers them all).
MAX_ERRORS_SHOWN = 1000
SAMPLE_ROWS = 20
# An advisory lock per schema: two imports of one agency never interleave.
_IMPORT_LOCK = 0x62_6F_6F_6B  # "book"

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
class _Row:
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


class _Checker:
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

    def clean(self, number: int, raw: dict[str, Any]) -> _Row | None:
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
        row = _Row(
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


def _batches(rows: Iterable[tuple[int, dict]]) -> Iterator[list[tuple[int, dict]]]:
    batch: list[tuple[int, dict]] = []
    for item in rows:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _holders(rows: list[_Row]) -> tuple[dict[str, Customer], dict[str, Customer]]:
    """The live customers holding the batch's national codes or mobiles (one query)."""
    codes = {row.national_code for row in rows if row.national_code}
    mobiles = {row.mobile for row in rows if row.mobile}
    by_code: dict[str, Customer] = {}
    by_mobile: dict[str, Customer] = {}
    if not codes and not mobiles:
        return by_code, by_mobile
    found = Customer.objects.filter(merged_into__isnull=True).filter(
        Q(national_code__in=codes) | Q(mobile__in=mobiles)
    )
    for customer in found.order_by("id").only("id", "national_code", "mobile", "kind"):
        if customer.national_code:
            by_code[customer.national_code] = customer
        if customer.mobile:
            by_mobile.setdefault(customer.mobile, customer)
    return by_code, by_mobile


def _match(row: _Row, by_code: dict, by_mobile: dict) -> Customer | None:
    """By national code, then by mobile — unless the mobile's holder has another national
    code (a family's shared mobile is another person)."""
    if row.national_code and row.national_code in by_code:
        return by_code[row.national_code]
    holder = by_mobile.get(row.mobile) if row.mobile else None
    if holder is not None and (not row.national_code or not holder.national_code):
        return holder
    return None


def _in_book(rows: list[_Row]) -> set[tuple[str, str, str, str]]:
    numbers = {row.policy_number for row in rows}
    return set(
        BookPolicy.objects.filter(origin=BookPolicy.Origin.OTHER, number__in=numbers).values_list(
            "insurer_code", "insurer_name", "line_code", "number"
        )
    )


def _new_customer(row: _Row, actor: Any) -> Customer:
    return Customer(
        kind=Customer.Kind.PROSPECTIVE,
        first_name=row.first_name,
        last_name=row.last_name,
        national_code=row.national_code,
        mobile=row.mobile,
        source=Customer.Source.IMPORT,
        created_by_user_id=actor_id(actor),
    )


def _sample(row: _Row, customer: Customer | None) -> dict[str, Any]:
    return {
        "row": row.number,
        "customer": customer.display_name if customer else f"{row.first_name} {row.last_name}",
        "new_customer": customer is None,
        "national_code": row.national_code or "",
        "mobile": row.mobile,
        "insurer_code": row.insurer_code,
        "insurer_name": row.insurer_name,
        "line_code": row.line_code,
        "number": row.policy_number,
        "start_date": row.start_date,
        "end_date": row.end_date,
        "premium": row.premium,
    }


def _process(
    *,
    agency: Any,
    stream: IO[bytes],
    kind: str,
    actor: Any = None,
    write: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """One reading of the file (see the module's docstring); ``progress(rows read)`` after
    each batch."""
    report = ImportReport()
    checker = _Checker(report)
    new_keys: set[int] = set()  # hashes of new customers' keys (counted once a file)
    try:
        for batch in _batches(table_rows(stream, kind)):
            rows = []
            for number, raw in batch:
                report.rows += 1
                row = checker.clean(number, raw)
                if row is not None:
                    rows.append(row)
            if not rows:
                continue
            by_code, by_mobile = _holders(rows)
            existing = _in_book(rows)
            fresh: dict[str, Customer] = {}  # this batch's new customers by their keys
            pending: list[tuple[_Row, Customer]] = []
            for row in rows:
                if row.key in existing:
                    report.already_in_book += 1
                    continue
                customer = _match(row, by_code, by_mobile)
                person_key = row.national_code or row.mobile
                if customer is None and person_key in fresh:
                    customer = fresh[person_key]
                if customer is None:
                    if not row.last_name:
                        checker.error(
                            row.number,
                            "last_name",
                            _(
                                "No customer has this national code or mobile; enter the "
                                "last name to register one."
                            ),
                        )
                        continue
                    customer = _new_customer(row, actor)
                    fresh[person_key] = customer
                    if row.national_code:
                        fresh.setdefault(row.mobile or "", customer)
                    if hash(person_key) not in new_keys:
                        new_keys.add(hash(person_key))
                        report.new_customers += 1
                elif customer.pk is not None:
                    report.matched_customers += 1
                if len(report.sample) < SAMPLE_ROWS:
                    report.sample.append(_sample(row, customer if customer.pk else None))
                pending.append((row, customer))
            if write and pending and report.ok:
                report.added += _write(agency=agency, actor=actor, pending=pending)
            if progress is not None:
                progress(report.rows)
    except FileUnreadable as error:
        report.file_error = str(error)
    except (UnicodeDecodeError, KeyError, ValueError, OSError, zipfile.BadZipFile, ParseError):
        report.file_error = _(
            "The file could not be read; upload an Excel workbook (.xlsx) or a CSV file in UTF-8."
        )
    report.errors.sort(key=lambda error: error.row)  # a batch finds some errors late
    return report


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    return str(value).translate(_COPY_ESCAPES)


def _copy(table: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
    """``COPY table (columns) FROM STDIN``: the policies and audit rows of a batch go in as
    one stream (``bulk_create`` of 2,000 rows spent most of its time compiling the INSERT,
    measured in decision 028). The values are already clean (the checker's)."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer
        )


_POLICY_COLUMNS = [
    "customer_id",
    "origin",
    "insurer_code",
    "insurer_name",
    "line_code",
    "number",
    "start_date",
    "end_date",
    "premium",
    "subject",
    "plate",
    "state",
    "delivery_method",
    "delivery_address_text",
    "extra_1",
    "extra_2",
    "extra_3",
    "extra_4",
    "notes",
    "created_by_user_id",
    "created_at",
    "updated_at",
]
_AUDIT_COLUMNS = [
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "agency_id",
    "changes",
    "created_at",
]


def _write(*, agency: Any, actor: Any, pending: list[tuple[_Row, Customer]]) -> int:
    """A batch: its new customers and their mobiles (``bulk_create``, for their ids), then
    its policies and one audit row per customer (``COPY``)."""
    created = list({id(c): c for _row, c in pending if c.pk is None}.values())
    Customer.objects.bulk_create(created)
    CustomerPhone.objects.bulk_create(
        [
            CustomerPhone(
                customer=customer,
                kind=CustomerPhone.Kind.MOBILE,
                number=customer.mobile,
                is_primary=True,
            )
            for customer in created
            if customer.mobile
        ]
    )
    now = timezone.now().isoformat()
    by = actor_id(actor)
    _copy(
        BookPolicy._meta.db_table,
        _POLICY_COLUMNS,
        (
            (
                customer.pk,
                BookPolicy.Origin.OTHER.value,
                row.insurer_code,
                row.insurer_name,
                row.line_code,
                row.policy_number,
                row.start_date,
                row.end_date,
                row.premium,
                "",
                row.plate,
                BookPolicy.State.ACTIVE.value,
                "",
                "",
                "",
                "",
                "",
                "",
                row.notes,
                by,
                now,
                now,
            )
            for row, customer in pending
        ),
    )
    numbers: dict[int, list[str]] = {}
    for row, customer in pending:
        numbers.setdefault(customer.pk, []).append(row.policy_number)
    new_ids = {customer.pk for customer in created}
    _copy(
        AuditLog._meta.db_table,
        _AUDIT_COLUMNS,
        (
            (
                by,
                "" if by else SYSTEM_ACTOR,
                "book.imported",
                "crm.customer",
                customer_id,
                agency.pk,
                json.dumps(
                    {
                        "policy": [None, ", ".join(policy_numbers)],
                        **({"source": [None, "import"]} if customer_id in new_ids else {}),
                    },
                    ensure_ascii=False,
                ),
                now,
            )
            for customer_id, policy_numbers in numbers.items()
        ),
    )
    return len(pending)


def book_import_check(*, agency: Any, stream: IO[bytes], kind: str) -> ImportReport:
    """Read the whole file and report what an import would do, every bad row with its row
    number, column and a Persian message; nothing is written."""
    schema_require(agency)
    return _process(agency=agency, stream=stream, kind=kind)


def book_import_run(
    *,
    agency: Any,
    actor: Any,
    stream: IO[bytes],
    kind: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the file in one reading and one transaction: batches are written as they come
    while every row so far is good; a bad row anywhere stops the writing, the rest is still
    checked for the report, and the transaction is rolled back — nothing is kept. Run twice,
    the second run adds nothing. ``progress(rows read)`` after each batch."""
    schema_require(agency)
    try:
        with agency_write(agency):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])
            report = _process(
                agency=agency, stream=stream, kind=kind, actor=actor, write=True, progress=progress
            )
            if not report.ok:
                raise _Refused(report)
    except _Refused as refused:
        refused.report.added = 0
        return refused.report
    except (IntegrityError, PgIntegrityError):
        # A policy of the file was typed into the book while the file was being imported.
        return ImportReport(
            file_error=_("The book changed while the file was being imported; import it again.")
        )
    return report


class _Refused(Exception):
    """A bad row: what the transaction wrote is rolled back."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("import refused")
        self.report = report

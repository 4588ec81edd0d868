"""Importing other insurers' policies into the book from an Excel or CSV file (S-6.2).

The file is read a row at a time (:mod:`crm.services.book_files`), in batches of ``BATCH``
rows. The preview's reading (:func:`book_import_check`) writes nothing and reports each bad
row with its row number, column and a Persian message. The import's reading
(:func:`book_import_run`) checks the same way and writes in one transaction; a bad row
anywhere rolls it back, so a file with any bad row imports nothing. Customers are matched
by national code, then by mobile (one query per batch for all its keys), else registered as
prospects (source ``import``); :mod:`crm.services.book_import_write` writes a batch.
A policy already in the book (same insurer, line and number) is skipped, so importing the
same file again adds nothing. What stays in memory across batches is one integer per
policy (its key's hash, to report a policy the file repeats); everything else is per batch.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.db import IntegrityError, connection
from django.db.models import Q
from django.utils.translation import gettext as _
from psycopg2 import IntegrityError as PgIntegrityError

from crm.models import BookPolicy, Customer
from crm.services.base import agency_write
from crm.services.book_files import FileUnreadable, table_rows
from crm.services.book_import_rows import ImportReport, ImportRow, RowChecker, RowError
from crm.services.book_import_write import batch_write, new_customer
from crm.tenancy import schema_require

__all__ = ["BATCH", "ImportReport", "RowError", "book_import_check", "book_import_run"]

BATCH = 2000
SAMPLE_ROWS = 20
# An advisory lock per schema: two imports of one agency never interleave.
_IMPORT_LOCK = 0x62_6F_6F_6B  # "book"


def _batches(rows: Iterable[tuple[int, dict]]) -> Iterator[list[tuple[int, dict]]]:
    batch: list[tuple[int, dict]] = []
    for item in rows:
        batch.append(item)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _holders(rows: list[ImportRow]) -> tuple[dict[str, Customer], dict[str, Customer]]:
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


def _match(row: ImportRow, by_code: dict, by_mobile: dict) -> Customer | None:
    """By national code, then by mobile — unless the mobile's holder has another national
    code (a family's shared mobile is another person)."""
    if row.national_code and row.national_code in by_code:
        return by_code[row.national_code]
    holder = by_mobile.get(row.mobile) if row.mobile else None
    if holder is not None and (not row.national_code or not holder.national_code):
        return holder
    return None


def _in_book(rows: list[ImportRow]) -> set[tuple[str, str, str, str]]:
    numbers = {row.policy_number for row in rows}
    return set(
        BookPolicy.objects.filter(origin=BookPolicy.Origin.OTHER, number__in=numbers).values_list(
            "insurer_code", "insurer_name", "line_code", "number"
        )
    )


def _sample(row: ImportRow, customer: Customer | None) -> dict[str, Any]:
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
    checker = RowChecker(report)
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
            pending: list[tuple[ImportRow, Customer]] = []
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
                    customer = new_customer(row, actor)
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
                report.added += batch_write(agency=agency, actor=actor, pending=pending)
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


def book_import_check(
    *,
    agency: Any,
    stream: IO[bytes],
    kind: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read the whole file and report what an import would do, every bad row with its row
    number, column and a Persian message; nothing is written."""
    schema_require(agency)
    return _process(agency=agency, stream=stream, kind=kind, progress=progress)


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

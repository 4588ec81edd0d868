"""Importing other insurers' policies into an agency's book (issue 12, item 2): a 50,000-row
Excel file with 1 % bad rows is checked and refused (every bad row reported, nothing
written), and a good 50,000-row file is imported, half of its people already customers.

Memory: the import reads the workbook with openpyxl in read-only mode and works in batches,
so its peak should not grow with the file. The timed run is not traced (tracing slows Python
down several times); the peak is measured with ``tracemalloc`` on two further imports of
fresh files, one five times as long as the other (at least two batches): flat means the
longer file's peak stays within twice the shorter's. The process's high-water mark (``ru_maxrss``) before
and after the timed run is shown beside it.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.db import connection

from benchmarks._agencies import create_one
from benchmarks._report import Report
from core.xlsx import Column, XlsxWriter
from crm.models import BookPolicy, Customer
from crm.services.book_files import COLUMNS, XLSX
from crm.services.book_import import BATCH, book_import_check, book_import_run
from policies.services.catalog import catalog_load

ORDER = 85
TITLE = "CRM import"
ROWS = int(os.environ.get("BENCH_CRM_IMPORT_ROWS", "50000"))
TARGET_SECONDS = 30.0
TARGET_GROWTH = 2.0  # peak(half the rows) / peak(a tenth of them)
KNOWN_CUSTOMERS = ROWS // 2


def national_code(n: int) -> str:
    """A valid national code made from ``n`` (check digit computed)."""
    body = f"{n % 1_000_000_000:09d}"
    if len(set(body)) == 1:
        body = f"{(n + 1) % 1_000_000_000:09d}"
    total = sum(int(body[i]) * (10 - i) for i in range(9))
    remainder = total % 11
    return body + str(remainder if remainder < 2 else 11 - remainder)


def _row(n: int, prefix: str, *, bad: bool) -> list[str]:
    person = n // 2 if n % 10 < 8 else ROWS * 3 + n  # most people hold two policies
    code = national_code(10_000_000 + person)
    mobile = f"0935{person % 10_000_000:07d}"
    year = 1403 + n % 2
    row = [
        code if n % 10 != 9 else "",  # every tenth row: a mobile only
        mobile,
        "سارا",
        f"کریمی {person}",
        ("بیمه ایران", "آسیا", "dana", "بیمه ملت")[n % 4],
        ("شخص ثالث", "بیمه آتش‌سوزی منازل", "motor_hull")[n % 3],
        f"{prefix}-{n:07d}",
        f"{year}/{1 + n % 12:02d}/{1 + n % 28:02d}",
        f"{year + 1}/{1 + n % 12:02d}/{1 + n % 28:02d}",
        str(1_000_000 + (n % 997) * 10_000),
        "",
        "",
    ]
    if bad:
        kind = (n // 100) % 4
        if kind == 0:
            row[7] = "1403/13/01"
        elif kind == 1:
            row[0] = "1234567890"
        elif kind == 2:
            row[6] = ""
        else:
            row[5] = "عمر و سرمایه‌گذاری"
    return row


def write_file(path: Path, rows: int, prefix: str, *, bad_every: int = 0) -> None:
    with XlsxWriter(path) as book:
        sheet = book.sheet(
            "Policies", [Column(str(column.title), width=column.width) for column in COLUMNS]
        )
        for n in range(rows):
            sheet.row(_row(n, prefix, bad=bool(bad_every) and n % bad_every == bad_every - 1))


def _known_customers(count: int) -> None:
    """Customers already in the book's schema, matched by national code (every other one)."""
    Customer.objects.bulk_create(
        [
            Customer(
                first_name="سارا",
                last_name=f"کریمی {person}",
                national_code=national_code(10_000_000 + person),
                source=Customer.Source.PANEL,
            )
            for person in range(0, count * 2, 2)
        ],
        batch_size=5000,
    )


def _import(agency, path: Path):
    with path.open("rb") as stream:
        return book_import_run(agency=agency, actor=None, stream=stream, kind=XLSX)


def _traced_peak(agency, path: Path) -> float:
    tracemalloc.start()
    try:
        report = _import(agency, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.errors[:3]
    return peak / 1024 / 1024


def run(report: Report) -> None:
    catalog_load()
    agency = create_one()
    connection.set_tenant(agency)
    try:
        _run(report, agency)
    finally:
        connection.set_schema_to_public()


def _run(report: Report, agency) -> None:
    _known_customers(KNOWN_CUSTOMERS)
    report.note(
        f"One agency schema holding {KNOWN_CUSTOMERS:,} customers; rows of the files belong "
        "two by two to the same person, a tenth carry a mobile only, a quarter name an "
        "insurer not in the quote form's list; half of the people are customers already."
    )
    with tempfile.TemporaryDirectory() as folder:
        bad = Path(folder, "bad.xlsx")
        good = Path(folder, "good.xlsx")
        write_file(bad, ROWS, "B", bad_every=100)
        write_file(good, ROWS, "G")

        started = time.monotonic()
        with bad.open("rb") as stream:
            checked = book_import_check(agency=agency, stream=stream, kind=XLSX)
        check_seconds = time.monotonic() - started
        started = time.monotonic()
        refused = _import(agency, bad)
        refuse_seconds = time.monotonic() - started
        expected = ROWS // 100
        report.add(
            f"{ROWS:,}-row file, 1 % bad: preview (check every row)",
            f"{check_seconds:.1f} s, {checked.error_count:,} errors",
            target=f"{expected:,} errors reported, ≤ {TARGET_SECONDS:.0f} s",
            passed=checked.error_count == expected and check_seconds <= TARGET_SECONDS,
        )
        nothing = not refused.ok and BookPolicy.objects.count() == 0
        report.add(
            "… confirmed anyway: refused, nothing written",
            f"{refuse_seconds:.1f} s, {BookPolicy.objects.count()} policies",
            target="0 policies",
            passed=nothing,
        )

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started, cpu = time.monotonic(), time.process_time()
        imported = _import(agency, good)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        load = os.getloadavg()[0]
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        policies = BookPolicy.objects.count()
        report.add(
            f"{ROWS:,}-row good file: import (check + write)",
            f"{seconds:.1f} s ({ROWS / seconds:,.0f} rows/s), {policies:,} policies, "
            f"{imported.new_customers:,} new customers",
            target=f"≤ {TARGET_SECONDS:.0f} s, {ROWS:,} policies",
            passed=imported.ok and seconds <= TARGET_SECONDS and policies == ROWS,
        )
        started = time.monotonic()
        again = _import(agency, good)
        report.add(
            "… CPU of this process (parse, check, Django; PostgreSQL's own time not counted)",
            f"{cpu:.1f} s; machine load average {load:.1f} on {os.cpu_count()} CPUs",
        )
        report.add(
            "… the same file again",
            f"{time.monotonic() - started:.1f} s, {again.added} added",
            target="0 added",
            passed=again.ok and again.added == 0 and BookPolicy.objects.count() == ROWS,
        )
        report.add(
            "Process high-water mark (ru_maxrss) before → after the import",
            f"{rss_before:.0f} → {rss_after:.0f} MB",
        )

        small, large = Path(folder, "small.xlsx"), Path(folder, "large.xlsx")
        small_rows = max(ROWS // 10, 2 * BATCH)  # several batches, or the test says nothing
        write_file(small, small_rows, "S")
        write_file(large, small_rows * 5, "L")
        small_peak = _traced_peak(agency, small)
        large_peak = _traced_peak(agency, large)
        growth = large_peak / small_peak
        report.add(
            f"Peak Python memory, import of {small_rows:,} vs {small_rows * 5:,} rows "
            "(tracemalloc)",
            f"{small_peak:.1f} MB vs {large_peak:.1f} MB (× {growth:.2f} for × 5 rows)",
            target=f"≤ × {TARGET_GROWTH:.0f} (flat)",
            passed=growth <= TARGET_GROWTH,
        )

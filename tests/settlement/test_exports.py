"""Exports to the core issuing system (S-5.2): a day's batches to one file in the documented
format, each item exported once, and a repeat that gives the same bytes."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages

from core.models import AuditLog
from settlement.models import SettlementBatch, SettlementExport, SettlementItem
from settlement.services.batches import settlement_batches_build
from settlement.services.exports import (
    settlement_export_create,
    settlement_export_render,
    settlement_export_repeat,
)
from tests.factories import create_user
from tests.settlement.sales import DAY, sale, tehran_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator", first_name="Sara", last_name="Ops")


@pytest.fixture
def day_of_sales(line, tariff, customer, agency, other_agency):
    """Agency 686 sells one, 685 two, the main site one; then the day's batches are built."""

    def sell(agency, premium, hour, minute=0, reference=None):
        return sale(
            line=line,
            tariff=tariff,
            customer=customer,
            agency=agency,
            premium=premium,
            paid_at=tehran_time(DAY, hour, minute, 7),
            issued_at=tehran_time(DAY, hour, minute + 5),
            reference=reference,
        )

    payments = [
        sell(other_agency, "7000000", 9, reference="R,1"),  # a comma the CSV must quote
        sell(agency, "10000000", 10),
        sell(None, "4000000", 11),
        sell(agency, "2500000", 23, 40),
    ]
    settlement_batches_build(day=DAY)
    return payments


def file_text(export: SettlementExport) -> str:
    return Path(storages["private"].path(export.csv_file)).read_bytes().decode("utf-8")


def expected_csv(export: SettlementExport) -> str:
    """The file as docs/settlement-format.md describes it, written out by hand."""
    lines = [
        "record_type,export_number,business_day,batch_id,agency_code,item_id,policy_number,"
        "line_code,issue_date,payment_date,payment_time,gateway,bank_reference,amount_rials,"
        "commission_rials"
    ]
    batches = sorted(
        export.batches.select_related("agency"),
        key=lambda batch: (batch.agency.code if batch.agency else -1, batch.pk),
    )
    totals = [0, 0, 0]
    for batch in batches:
        code = str(batch.agency.code) if batch.agency else "0"
        items = list(batch.items.order_by("id"))
        for item in items:
            reference = (
                f'"{item.bank_reference}"' if "," in item.bank_reference else item.bank_reference
            )
            lines.append(
                f"D,{export.number},1405/09/09,{batch.pk},{code},{item.pk},{item.policy_number},"
                f"test_line,1405/09/09,1405/09/09,"
                f"{item.paid_at.astimezone(tehran_zone()):%H:%M:%S},sandbox,{reference},"
                f"{int(item.amount)},{int(item.commission)}"
            )
        amount = sum(int(item.amount) for item in items)
        commission = sum(int(item.commission) for item in items)
        lines.append(
            f"B,{export.number},1405/09/09,{batch.pk},{code},{len(items)},{amount},{commission}"
        )
        totals = [totals[0] + len(items), totals[1] + amount, totals[2] + commission]
    lines.append(f"T,{export.number},1405/09/09,{len(batches)},{totals[0]},{totals[1]},{totals[2]}")
    return "\r\n".join(lines) + "\r\n"


def tehran_zone():
    from core.jalali import tehran

    return tehran()


def test_an_export_takes_the_days_batches_to_one_file_in_the_documented_format(
    day_of_sales, operator, agency, other_agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = settlement_export_create(day=DAY, actor=operator)
    export.refresh_from_db()

    assert export.number == "14050909-01"
    assert (export.state, export.batch_count, export.item_count) == ("done", 3, 4)
    assert (export.total_amount, export.total_commission) == (
        Decimal("23500000"),
        Decimal("1950000"),
    )
    assert set(export.batches.values_list("state", flat=True)) == {"exported"}
    text = file_text(export)
    assert text == expected_csv(export)
    # The virtual branch's own sale (agency code 0) first, then 685, then 686.
    codes = [line.split(",")[4] for line in text.splitlines() if line.startswith("D,")]
    assert codes == ["0", "685", "685", "686"]
    assert '"R,1"' in text
    assert export.csv_sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert export.rows_written == 4 and export.progress_percent == 100
    created = AuditLog.objects.get(action="settlement_export.created")
    assert created.actor == operator
    assert created.changes["items"] == [None, 4]
    assert AuditLog.objects.filter(action="settlement_batch.exported").count() == 3
    assert AuditLog.objects.filter(action="settlement_export.written").count() == 1


def test_the_excel_copy_shows_the_same_items_and_totals(
    day_of_sales, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = settlement_export_create(day=DAY, actor=operator)
    export.refresh_from_db()
    book = openpyxl.load_workbook(storages["private"].path(export.xlsx_file))
    assert book.sheetnames == ["اقلام", "دسته‌ها", "جمع‌ها"]
    items = [[str(cell.value) for cell in row] for row in book["اقلام"].iter_rows(min_row=2)]
    rows = csv.reader(io.StringIO(file_text(export)))
    assert items == [fields[3:] for fields in rows if fields[0] == "D"]
    assert isinstance(book["اقلام"]["K2"].value, int)
    totals = [cell.value for cell in next(book["جمع‌ها"].iter_rows(min_row=2))]
    assert totals == [export.number, "1405/09/09", 3, 4, 23500000, 1950000]


def test_an_item_is_exported_once(day_of_sales, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = settlement_export_create(day=DAY, actor=operator)
    with pytest.raises(ValidationError) as refused:
        settlement_export_create(day=DAY, actor=operator)
    assert first.number in str(refused.value)
    assert SettlementExport.objects.count() == 1
    assert SettlementItem.objects.filter(batch__export=first).count() == 4


def test_nothing_to_export_is_explained(db, operator):
    with pytest.raises(ValidationError) as refused:
        settlement_export_create(day=DAY, actor=operator)
    assert "1405" in str(refused.value) or "۱۴۰۵" in str(refused.value)
    assert not SettlementExport.objects.exists()


def test_exporting_again_gives_the_same_bytes(
    day_of_sales, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = settlement_export_create(day=DAY, actor=operator)
    export.refresh_from_db()
    first_csv = file_text(export)
    first_xlsx = Path(storages["private"].path(export.xlsx_file)).read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        settlement_export_repeat(export=export, actor=operator)
    export.refresh_from_db()

    assert export.state == "done" and export.render_count == 2 and export.attempt == 2
    assert file_text(export) == first_csv
    assert Path(storages["private"].path(export.xlsx_file)).read_bytes() == first_xlsx
    assert AuditLog.objects.get(action="settlement_export.repeated").actor == operator


def test_a_repeat_that_would_differ_is_refused_and_the_first_file_kept(
    day_of_sales, operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = settlement_export_create(day=DAY, actor=operator)
    export.refresh_from_db()
    first_csv = file_text(export)
    SettlementItem.objects.filter(batch__export=export).update(bank_reference="CHANGED")

    with pytest.raises(ValueError), django_capture_on_commit_callbacks(execute=True):
        settlement_export_repeat(export=export, actor=operator)
    export.refresh_from_db()

    assert export.state == "failed" and "differs" in export.error
    assert file_text(export) == first_csv
    assert AuditLog.objects.filter(action="settlement_export.failed").count() == 1


def test_writing_is_claimed_once(day_of_sales, operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export = settlement_export_create(day=DAY, actor=operator)
    assert settlement_export_render(export_id=export.pk) is True
    assert settlement_export_render(export_id=export.pk) is False  # done: nothing to do
    export.refresh_from_db()
    assert (export.attempt, export.render_count) == (1, 1)


def test_only_operators_export(day_of_sales):
    with pytest.raises(PermissionDenied):
        settlement_export_create(day=DAY, actor=create_user(insurer_role="marketing"))
    assert not SettlementExport.objects.exists()
    assert set(SettlementBatch.objects.values_list("state", flat=True)) == {"open"}

"""The settlement file's R line (docs/settlement-format.md, decision 049): a reversal written
with negative amounts, answered by the core system with its negative amount, and files
without reversals unchanged."""

from __future__ import annotations

import datetime as dt
import io

from settlement.file_format import ExportRow, SettlementFileWriter, confirmation_lines
from settlement.sandbox_core import core_confirmation

DAY = dt.date(2026, 12, 5)


def _file(rows: list[ExportRow]) -> str:
    text, book = io.StringIO(), io.BytesIO()
    writer = SettlementFileWriter(text, book, number="14050914-01", day=DAY)
    for row in rows:
        writer.add(row)
    writer.finish()
    return text.getvalue()


def _row(kind: str, item: int, amount: int, commission: int) -> ExportRow:
    return ExportRow(
        kind, 7, 685, item, "1405-99-000001", "fire", DAY, DAY, "10:00:00", "sandbox", "REF1",
        amount, commission,
    )  # fmt: skip


def test_a_reversal_is_an_r_line_and_counts_in_the_totals():
    text = _file([_row("D", 1, 12000000, 1200000), _row("R", 2, -7200000, -720000)])
    lines = text.split("\r\n")
    assert lines[1].startswith("D,14050914-01,1405/09/14,7,685,1,")
    assert lines[2] == (
        "R,14050914-01,1405/09/14,7,685,2,1405-99-000001,fire,1405/09/14,1405/09/14,"
        "10:00:00,sandbox,REF1,-7200000,-720000"
    )
    assert lines[3] == "B,14050914-01,1405/09/14,7,685,2,4800000,480000"
    assert lines[4] == "T,14050914-01,1405/09/14,1,2,4800000,480000"


def test_a_file_of_sales_only_is_written_as_before():
    text = _file([_row("D", 1, 12000000, 1200000)])
    assert "\r\nR," not in text
    assert text.endswith("T,14050914-01,1405/09/14,1,1,12000000,1200000\r\n")


def test_the_core_system_confirms_a_reversal_with_its_negative_amount():
    settlement_file = _file([_row("D", 1, 12000000, 1200000), _row("R", 2, -7200000, -720000)])
    answer = core_confirmation(settlement_file)
    assert "C,14050914-01,2,1405-99-000001,FN000000000002,-7200000" in answer
    lines = list(confirmation_lines(answer.splitlines(), export_number="14050914-01"))
    assert [(line.item_id, line.amount) for line in lines] == [(1, 12000000), (2, -7200000)]

"""The sandbox core system answers a settlement file as the real one would: its confirmation
passes our checks, and what it leaves out or books differently shows up as differences."""

from __future__ import annotations

import pytest

from settlement.file_format import confirmation_lines
from settlement.sandbox_core import SettlementFileRefused, core_confirmation

pytestmark = pytest.mark.django_db

FILE = (
    "record_type,export_number,business_day,batch_id,agency_code,item_id,policy_number,"
    "line_code,issue_date,payment_date,payment_time,gateway,bank_reference,amount_rials,"
    "commission_rials\r\n"
    "D,14050909-01,1405/09/09,1,685,6,1405-01-000118,third_party,1405/09/09,1405/09/09,"
    "10:00:07,sandbox,R1,10000000,1000000\r\n"
    "D,14050909-01,1405/09/09,1,685,8,1405-01-000120,third_party,1405/09/09,1405/09/09,"
    "23:40:07,sandbox,R2,2500000,250000\r\n"
    "B,14050909-01,1405/09/09,1,685,2,12500000,1250000\r\n"
    "T,14050909-01,1405/09/09,1,2,12500000,1250000\r\n"
)


def test_its_answer_passes_our_checks():
    answer = core_confirmation(FILE, book_instead={1: 2000000})
    lines = list(confirmation_lines(answer.splitlines(keepends=True), export_number="14050909-01"))
    assert [(line.item_id, line.amount, line.core_policy_number) for line in lines] == [
        (6, 10000000, "FN000000000006"),
        (8, 2000000, "FN000000000008"),
    ]
    assert answer.endswith("T,14050909-01,2,12000000\r\n")


def test_it_can_leave_an_item_out():
    answer = core_confirmation(FILE, leave_out=[0])
    assert [
        line.item_id
        for line in confirmation_lines(answer.splitlines(), export_number="14050909-01")
    ] == [8]


@pytest.mark.parametrize(
    "broken",
    [
        FILE.replace("record_type", "type"),
        FILE.rsplit("T,", 1)[0],
        FILE.replace(",2,12500000,1250000\r\n", ",3,12500000,1250000\r\n"),
    ],
)
def test_it_refuses_what_the_core_system_would(broken):
    with pytest.raises(SettlementFileRefused):
        core_confirmation(broken)


def test_the_command_answers_a_written_export(
    line, tariff, customer, agency, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from settlement.services.batches import settlement_batches_build
    from settlement.services.exports import settlement_export_create
    from tests.factories import create_user
    from tests.settlement.sales import DAY, sale

    sale(line=line, tariff=tariff, customer=customer, agency=agency, premium="10000000")
    settlement_batches_build(day=DAY)
    with django_capture_on_commit_callbacks(execute=True):
        export = settlement_export_create(day=DAY, actor=create_user(insurer_role="operator"))
    out = tmp_path / "answer.csv"
    call_command("sandbox_core_confirm", export.number, "--book", "0=9000000", "--output", str(out))
    assert out.read_bytes().decode().endswith(f"T,{export.number},1,9000000\r\n")

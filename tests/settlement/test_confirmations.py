"""The core system's confirmation of an export (S-5.2): every difference listed (missing, extra,
amount or policy differs); a malformed or partial file refused with its line and reason, and
nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.models import AuditLog
from settlement.models import (
    SettlementBatch,
    SettlementConfirmation,
    SettlementConfirmationLine,
    SettlementExport,
    SettlementItem,
    SettlementMismatch,
)
from settlement.selectors import items_with_answer
from settlement.services.batches import settlement_batches_build
from settlement.services.confirmations import (
    settlement_confirmation_apply,
    settlement_confirmation_upload,
)
from settlement.services.exports import settlement_export_create
from tests.factories import create_user
from tests.settlement.sales import DAY, sale

pytestmark = pytest.mark.django_db

HEADER = "record_type,export_number,item_id,policy_number,core_policy_number,amount_rials"


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator")


@pytest.fixture
def export(
    line, tariff, customer, agency, other_agency, operator, django_capture_on_commit_callbacks
):
    for seller, premium in ((agency, "10000000"), (agency, "2500000"), (other_agency, "7000000")):
        sale(line=line, tariff=tariff, customer=customer, agency=seller, premium=premium)
    settlement_batches_build(day=DAY)
    with django_capture_on_commit_callbacks(execute=True):
        export = settlement_export_create(day=DAY, actor=operator)
    export.refresh_from_db()
    return export


def items_of(export) -> list[SettlementItem]:
    """The export's items with what its latest confirmation says of them."""
    items = SettlementItem.objects.filter(batch__export=export).order_by("id")
    return list(items_with_answer(items))


def confirmation_text(export, *, drop=(), amounts=None, policies=None, extra=(), total=None):
    amounts, policies = amounts or {}, policies or {}
    lines, count, amount_sum = [HEADER], 0, 0
    for n, item in enumerate(items_of(export)):
        if n in drop:
            continue
        amount = amounts.get(n, int(item.amount))
        policy = policies.get(n, item.policy_number)
        lines.append(f"C,{export.number},{item.pk},{policy},CORE-{item.pk},{amount}")
        count, amount_sum = count + 1, amount_sum + amount
    for item_id, amount in extra:
        lines.append(f"C,{export.number},{item_id},1405-99-999999,CORE-X{item_id},{amount}")
        count, amount_sum = count + 1, amount_sum + amount
    lines.append(f"T,{export.number},{count},{amount_sum if total is None else total}")
    return "\r\n".join(lines) + "\r\n"


def confirm(export, text: str, actor, capture, name="confirm.csv") -> SettlementConfirmation:
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    with capture(execute=True):
        confirmation = settlement_confirmation_upload(export=export, upload=upload, actor=actor)
    confirmation.refresh_from_db()
    return confirmation


def test_a_full_confirmation_confirms_every_item_and_batch(
    export, operator, django_capture_on_commit_callbacks
):
    confirmation = confirm(
        export, confirmation_text(export), operator, django_capture_on_commit_callbacks
    )

    assert confirmation.state == "applied"
    assert (confirmation.line_count, confirmation.matched_count, confirmation.mismatch_count) == (
        3,
        3,
        0,
    )
    assert confirmation.confirmed_amount == Decimal("19500000")
    for item in items_of(export):
        assert (item.answer_state, item.core_policy_number, item.confirmed_amount) == (
            "confirmed",
            f"CORE-{item.pk}",
            item.amount,
        )
    assert set(export.batches.values_list("state", flat=True)) == {"confirmed"}
    export.refresh_from_db()
    assert export.confirmation == confirmation
    assert confirmation.lines.count() == 3
    applied = AuditLog.objects.get(action="settlement_confirmation.applied")
    assert applied.actor == operator and applied.changes["matched"] == [None, 3]
    assert AuditLog.objects.filter(action="settlement_batch.confirmed").count() == 2


def test_every_difference_is_listed(export, operator, django_capture_on_commit_callbacks):
    items = items_of(export)
    text = confirmation_text(
        export,
        drop={0},
        amounts={1: 2400000},
        policies={2: "1405-99-000000"},
        extra=[(items[-1].pk + 1000, 5000000)],
    )
    confirmation = confirm(export, text, operator, django_capture_on_commit_callbacks)

    assert confirmation.state == "applied"
    assert (
        confirmation.line_count,
        confirmation.matched_count,
        confirmation.missing_count,
        confirmation.extra_count,
        confirmation.differs_count,
    ) == (3, 0, 1, 1, 2)
    found = {
        (m.kind, m.item_id, m.line_number, m.expected_amount, m.confirmed_amount)
        for m in SettlementMismatch.objects.filter(confirmation=confirmation)
    }
    assert found == {
        ("missing", items[0].pk, None, items[0].amount, None),
        ("amount", items[1].pk, 2, items[1].amount, Decimal("2400000")),
        ("policy", items[2].pk, 3, items[2].amount, items[2].amount),
        ("extra", None, 4, None, Decimal("5000000")),
    }
    states = [item.answer_state for item in items_of(export)]
    assert states == ["missing", "differs", "differs"]
    assert set(export.batches.values_list("state", flat=True)) == {"discrepant"}


def test_a_corrected_confirmation_decides_and_the_first_keeps_its_list(
    export, operator, django_capture_on_commit_callbacks
):
    first = confirm(
        export, confirmation_text(export, drop={0}), operator, django_capture_on_commit_callbacks
    )
    second = confirm(
        export, confirmation_text(export), operator, django_capture_on_commit_callbacks
    )
    assert first.missing_count == 1 and second.mismatch_count == 0
    assert SettlementMismatch.objects.filter(confirmation=first).count() == 1
    assert {item.answer_state for item in items_of(export)} == {"confirmed"}
    assert set(export.batches.values_list("state", flat=True)) == {"confirmed"}


def test_persian_digits_and_a_byte_order_mark_are_read(
    export, operator, django_capture_on_commit_callbacks
):
    text = confirmation_text(export)
    persian = "\ufeff" + text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    confirmation = confirm(export, persian, operator, django_capture_on_commit_callbacks)
    assert confirmation.state == "applied" and confirmation.matched_count == 3


def _broken_files(export):
    items = items_of(export)
    good = confirmation_text(export).split("\r\n")
    number = export.number
    first = items[0]
    return {
        "empty": ("", 1, "empty"),  # uploaded as a lone line break
        "no header": ("\r\n".join(good[1:]), 1, "header"),
        "wrong export": (
            "\r\n".join([good[0], good[1].replace(number, "14050909-77"), *good[2:]]),
            2,
            "14050909-77",
        ),
        "amount with a fraction": (
            "\r\n".join(
                [good[0], f"C,{number},{first.pk},{first.policy_number},CORE,1000.5", *good[2:]]
            ),
            2,
            "1000.5",
        ),
        "item not a number": (
            "\r\n".join([good[0], f"C,{number},abc,{first.policy_number},CORE,1000", *good[2:]]),
            2,
            "abc",
        ),
        "missing core number": (
            "\r\n".join([good[0], f"C,{number},{first.pk},{first.policy_number},,1000", *good[2:]]),
            2,
            "",
        ),
        "too few fields": ("\r\n".join([good[0], f"C,{number},{first.pk}", *good[2:]]), 2, "6"),
        "twice": ("\r\n".join([good[0], good[1], good[1], *good[2:]]), 3, str(first.pk)),
        "unknown record": ("\r\n".join([good[0], "X,1,2", *good[1:]]), 2, "X"),
        "partial (cut before its totals)": ("\r\n".join(good[:3]) + "\r\n", 4, ""),
        "cut in the middle of a line": ("\r\n".join(good[:2]) + "\r\nC,14050", 3, ""),
        "totals count wrong": ("\r\n".join([*good[:4], f"T,{number},2,19500000"]), 5, "2"),
        "totals amount wrong": ("\r\n".join([*good[:4], f"T,{number},3,1"]), 5, "19500000"),
        "a line after the totals": ("\r\n".join([*good[:5], good[1]]), 6, ""),
        "a blank line inside": ("\r\n".join([good[0], good[1], "", *good[2:]]), 3, ""),
        "not UTF-8": (None, 1, "UTF-8"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "no header",
        "wrong export",
        "amount with a fraction",
        "item not a number",
        "missing core number",
        "too few fields",
        "twice",
        "unknown record",
        "partial (cut before its totals)",
        "cut in the middle of a line",
        "totals count wrong",
        "totals amount wrong",
        "a line after the totals",
        "a blank line inside",
        "not UTF-8",
    ],
)
def test_a_malformed_or_partial_file_is_refused_with_its_line_and_changes_nothing(
    export, operator, django_capture_on_commit_callbacks, case
):
    text, line, fragment = _broken_files(export)[case]
    before_items = list(SettlementItem.objects.order_by("id").values_list())
    before_batches = list(SettlementBatch.objects.values_list("id", "state"))
    data = b"record_type\xff\xfe" if text is None else text.encode("utf-8")
    upload = SimpleUploadedFile("c.csv", data or b" ", content_type="text/csv")
    if not data:
        upload = SimpleUploadedFile("c.csv", b"\r\n", content_type="text/csv")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        confirmation = settlement_confirmation_upload(export=export, upload=upload, actor=operator)
    confirmation.refresh_from_db()

    assert confirmation.state == "rejected", confirmation.error
    assert confirmation.error_line == line, confirmation.error
    assert fragment in confirmation.error
    assert confirmation.error
    assert list(SettlementItem.objects.order_by("id").values_list()) == before_items
    assert SettlementExport.objects.get(pk=export.pk).confirmation is None
    assert not SettlementConfirmationLine.objects.exists()
    assert list(SettlementBatch.objects.values_list("id", "state")) == before_batches
    assert not SettlementMismatch.objects.exists()
    rejected = AuditLog.objects.get(action="settlement_confirmation.rejected")
    assert rejected.changes["line"] == [None, line]


def test_the_reason_is_in_persian(export, operator, django_capture_on_commit_callbacks):
    good = confirmation_text(export).split("\r\n")
    with translation.override("fa"):
        confirmation = confirm(
            export, "\r\n".join(good[:3]), operator, django_capture_on_commit_callbacks
        )
    assert confirmation.state == "rejected"
    assert "ناقص" in confirmation.error


def test_an_empty_upload_or_an_unready_export_is_refused(export, operator):
    with pytest.raises(ValidationError):
        settlement_confirmation_upload(
            export=export, upload=SimpleUploadedFile("c.csv", b""), actor=operator
        )
    export.state, export.csv_sha256 = "running", ""
    with pytest.raises(ValidationError):
        settlement_confirmation_upload(
            export=export, upload=SimpleUploadedFile("c.csv", b"x"), actor=operator
        )
    assert not SettlementConfirmation.objects.exists()


def test_only_operators_import(export):
    with pytest.raises(PermissionDenied):
        settlement_confirmation_upload(
            export=export,
            upload=SimpleUploadedFile("c.csv", b"x"),
            actor=create_user(insurer_role="branch_manager"),
        )


def test_applying_twice_changes_nothing_the_second_time(
    export, operator, django_capture_on_commit_callbacks
):
    confirmation = confirm(
        export, confirmation_text(export, drop={0}), operator, django_capture_on_commit_callbacks
    )
    assert settlement_confirmation_apply(confirmation_id=confirmation.pk) is False
    assert SettlementMismatch.objects.filter(confirmation=confirmation).count() == 1

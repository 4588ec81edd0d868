"""Commission statements and payouts (S-5.3): one statement per agency per ended Jalali month
(Tehran time), built once, never changed; payouts against it; its reconciliation with
settlement; its PDF and Excel; the beat task."""

from __future__ import annotations

import datetime as dt
import io
import threading
import unicodedata
from decimal import Decimal

import jdatetime
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from core.digits import to_persian_digits
from core.jalali import tehran
from core.models import AuditLog
from core.xlsx import XlsxWriter
from settlement.models import (
    Commission,
    CommissionPayout,
    CommissionStatement,
    SettlementBatch,
    SettlementItem,
)
from settlement.selectors_statements import Difference, commission_statement_reconciliation
from settlement.services.statements import (
    commission_payout_record,
    commission_statements_build,
    last_ended_month,
)
from settlement.statement_files import statement_pdf_bytes, statement_xlsx_write
from settlement.tasks import commission_statements_build_due
from tests.factories import create_user
from tests.settlement.statement_data import ABAN, AZAR, jalali_moment, settled, sold

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator", first_name="کاربر", last_name="عملیات")


@pytest.fixture
def sell(line, tariff, customer):
    def make(agency, issued_at, **amounts):
        return sold(
            agency=agency,
            line=line,
            tariff=tariff,
            customer=customer,
            issued_at=issued_at,
            **amounts,
        )

    return make


def build(month, actor=None):
    return commission_statements_build(jalali_year=month[0], jalali_month=month[1], actor=actor)


def snapshot(statement: CommissionStatement) -> tuple:
    statement.refresh_from_db()
    return (
        statement.policy_count,
        statement.premium_total,
        statement.base_total,
        statement.commission_total,
        statement.paid_total,
        statement.state,
        sorted(statement.lines.values_list("pk", flat=True)),
    )


# ---- building ----------------------------------------------------------------------------


def test_a_month_is_built_per_agency_with_exact_totals_in_tehran_time(
    sell, agency, other_agency, operator
):
    # The first moment of 1404/08/01 and 23:59 of its last day (1404/08/30) belong to Aban;
    # 00:01 of 1404/09/01 does not, though in UTC it is still 21 November, 20:31.
    first = sell(agency, jalali_moment(1404, 8, 1, 0, 0))
    middle = sell(
        agency, jalali_moment(1404, 8, 15), premium="12345000", base="11000000", percent="10"
    )
    last = sell(
        agency, jalali_moment(1404, 8, 30, 23, 59), premium="8000000", base="7272727", percent="12"
    )
    next_month = sell(agency, jalali_moment(1404, 9, 1, 0, 1))
    other = sell(other_agency, jalali_moment(1404, 8, 20), premium="3000000", base="2700000")
    assert next_month.issued_at == dt.datetime(2025, 11, 21, 20, 31, tzinfo=dt.UTC)

    built = build(ABAN, operator)

    assert [statement.agency for statement in built] == [agency, other_agency]
    mine = built[0]
    assert (mine.jalali_year, mine.jalali_month) == ABAN
    assert (mine.period_start, mine.period_end) == (dt.date(2025, 10, 23), dt.date(2025, 11, 21))
    # 2,890,000 + 1,100,000 + 872,727 (12 % of 7,272,727 = 872,727.24, whole rials)
    assert (mine.policy_count, mine.premium_total, mine.base_total, mine.commission_total) == (
        3,
        Decimal("85659000"),
        Decimal("76072727"),
        Decimal("4862727"),
    )
    assert (mine.paid_total, mine.state, mine.created_by) == (Decimal(0), "issued", operator)
    assert set(mine.lines.all()) == {first, middle, last}
    next_month.refresh_from_db()
    assert next_month.statement is None
    theirs = built[1]
    assert (theirs.policy_count, theirs.commission_total) == (1, Decimal("135000"))
    assert list(theirs.lines.all()) == [other]
    audit = AuditLog.objects.get(action="commission_statement.built", target_id=str(mine.pk))
    assert (audit.actor, audit.agency_id) == (operator, agency.pk)
    assert audit.changes == {
        "period": [None, "1404/08"],
        "policy_count": [None, 3],
        "premium_total": [None, "85659000"],
        "base_total": [None, "76072727"],
        "commission_total": [None, "4862727"],
        "state": [None, "issued"],
    }


def test_a_month_can_be_built_from_its_end_in_tehran_and_not_a_second_before(
    sell, agency, monkeypatch
):
    sell(agency, jalali_moment(1404, 8, 10))
    monkeypatch.setattr(timezone, "now", lambda: jalali_moment(1404, 8, 30, 23, 59, 59))
    with pytest.raises(ValidationError) as refused:
        build(ABAN)
    assert refused.value.message_dict == {
        "jalali_month": [
            "ماه آبان ۱۴۰۴ هنوز تمام نشده است؛ صورت‌حساب‌های آن از ۱۴۰۴/۰۹/۰۱ ساخته می‌شود."
        ]
    }
    assert not CommissionStatement.objects.exists()
    assert not AuditLog.objects.filter(action="commission_statement.built").exists()

    monkeypatch.setattr(timezone, "now", lambda: jalali_moment(1404, 9, 1, 0, 0, 0))
    assert len(build(ABAN)) == 1


def test_the_current_month_and_impossible_months_are_refused(sell, agency, operator):
    sell(agency, timezone.now() - dt.timedelta(minutes=5))
    today = jdatetime.date.fromgregorian(date=timezone.localdate(timezone=tehran()))
    with pytest.raises(ValidationError) as refused:
        build((today.year, today.month), operator)
    assert "هنوز تمام نشده است" in refused.value.message_dict["jalali_month"][0]
    for year, month in ((1404, 13), (1404, 0), (2025, 8)):
        with pytest.raises(ValidationError) as impossible:
            build((year, month), operator)
        assert impossible.value.message_dict == {"jalali_month": ["سال و ماه شمسی را انتخاب کنید."]}
    assert not CommissionStatement.objects.exists()
    assert Commission.objects.get().statement is None


def test_building_a_month_again_changes_nothing(sell, agency, other_agency):
    sell(agency, jalali_moment(1404, 8, 3))
    sell(other_agency, jalali_moment(1404, 8, 4))
    first = build(ABAN)
    before = [snapshot(statement) for statement in first]
    audit_rows = AuditLog.objects.count()

    assert build(ABAN) == []

    assert [snapshot(statement) for statement in first] == before
    assert CommissionStatement.objects.count() == 2
    assert AuditLog.objects.count() == audit_rows


def test_a_commission_computed_late_goes_on_the_next_statement(
    sell, agency, other_agency, operator
):
    sell(agency, jalali_moment(1404, 8, 3))
    (aban,) = build(ABAN, operator)
    before = snapshot(aban)
    # The backfill computes, after Aban was built, commissions of policies issued in Aban.
    late = sell(agency, jalali_moment(1404, 8, 29), premium="10000000", base="9000000")
    late_elsewhere = sell(
        other_agency, jalali_moment(1404, 8, 29), premium="5000000", base="4000000"
    )
    azar_sale = sell(agency, jalali_moment(1404, 9, 2), premium="20000000", base="18000000")

    # Building Aban again leaves the agency's Aban statement alone; an agency that had none
    # gets its Aban statement now.
    rebuilt = build(ABAN, operator)
    assert [statement.agency for statement in rebuilt] == [other_agency]
    assert list(rebuilt[0].lines.all()) == [late_elsewhere]
    assert snapshot(aban) == before
    late.refresh_from_db()
    assert late.statement is None

    built = build(AZAR, operator)
    assert [statement.agency for statement in built] == [agency]
    azar = built[0]
    assert set(azar.lines.all()) == {late, azar_sale}
    assert (azar.policy_count, azar.premium_total, azar.commission_total) == (
        2,
        Decimal("30000000"),
        Decimal("1350000"),
    )
    assert snapshot(aban) == before


def test_an_agency_with_a_later_statement_gets_no_earlier_one(sell, agency):
    aban_sale = sell(agency, jalali_moment(1404, 8, 3))
    azar_sale = sell(agency, jalali_moment(1404, 9, 3))
    (azar,) = build(AZAR)  # Azar built first takes what Aban had, too
    assert set(azar.lines.all()) == {aban_sale, azar_sale}
    assert build(ABAN) == []
    assert CommissionStatement.objects.count() == 1


def test_only_operators_admins_and_the_system_build(sell, agency):
    sell(agency, jalali_moment(1404, 8, 3))
    for role in ("branch_manager", "marketing", ""):
        with pytest.raises(PermissionDenied):
            build(ABAN, create_user(insurer_role=role))
    assert not CommissionStatement.objects.exists()
    assert len(build(ABAN, create_user(insurer_role="admin"))) == 1


def test_a_statement_of_zero_commissions_has_nothing_to_pay(sell, agency):
    sell(agency, jalali_moment(1404, 8, 3), percent="0")
    (statement,) = build(ABAN)
    assert (statement.commission_total, statement.state) == (Decimal(0), "paid")


@pytest.mark.django_db(transaction=True)
def test_builds_at_once_put_every_commission_on_exactly_one_statement(line, tariff, customer):
    from tenants.models import Agency

    agencies = [
        Agency.objects.create(
            code=7700 + n,
            schema_name=f"ar{7700 + n}",
            name=f"n{n}",
            latitude=Decimal("35.7"),
            longitude=Decimal("51.4"),
        )
        for n in range(3)
    ]
    commissions = [
        sold(
            agency=agencies[n % 3],
            line=line,
            tariff=tariff,
            customer=customer,
            issued_at=jalali_moment(1404, 8 + n % 2, 1 + n),
            premium="1000000",
            base="1000000",
            percent="10",
        )
        for n in range(24)
    ]
    months = [ABAN, AZAR, ABAN, AZAR, ABAN, AZAR]
    barrier = threading.Barrier(len(months))
    errors: list[BaseException] = []
    built: list[CommissionStatement] = []

    def run(month) -> None:
        try:
            barrier.wait(timeout=30)
            built.extend(build(month))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(month,)) for month in months]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    statements = list(CommissionStatement.objects.all())
    assert sorted(statement.pk for statement in built) == sorted(s.pk for s in statements)
    assert Commission.objects.filter(statement__isnull=True).count() == 0
    # Every commission is on one statement of its own agency, and every statement's totals
    # are its lines' totals.
    assert sum(statement.policy_count for statement in statements) == len(commissions)
    assert sum(statement.commission_total for statement in statements) == Decimal("2400000")
    for statement in statements:
        lines = list(statement.lines.all())
        assert lines and {line.agency_id for line in lines} == {statement.agency_id}
        assert statement.commission_total == sum(line.amount for line in lines)
        assert statement.policy_count == len(lines)
    assert len({(s.agency_id, s.jalali_month) for s in statements}) == len(statements)


# ---- payouts -----------------------------------------------------------------------------


@pytest.fixture
def statement(sell, agency):
    sell(agency, jalali_moment(1404, 8, 3))  # commission 2,890,000
    return build(ABAN)[0]


def pay(statement, actor, amount, reference="TR-1001", paid_on=dt.date(2025, 12, 1), note=""):
    return commission_payout_record(
        statement=statement,
        amount=Decimal(amount),
        paid_on=paid_on,
        reference=reference,
        actor=actor,
        note=note,
    )


def test_a_partial_then_a_full_payout(statement, operator):
    first = pay(statement, operator, "1000000", reference="۷۷۱۰۰۱", note="  بخش   نخست ")
    assert (first.reference, first.note, first.agency_id) == (
        "771001",
        "بخش نخست",
        statement.agency_id,
    )
    statement.refresh_from_db()
    assert (statement.paid_total, statement.state, statement.outstanding) == (
        Decimal("1000000"),
        "partly_paid",
        Decimal("1890000"),
    )
    audit = AuditLog.objects.get(action="commission_statement.payout_recorded")
    assert (audit.actor, audit.target_id, audit.agency_id) == (
        operator,
        str(statement.pk),
        statement.agency_id,
    )
    assert audit.changes == {
        "paid_total": ["0", "1000000"],
        "state": ["issued", "partly_paid"],
        "payout": [None, first.pk],
        "amount": [None, "1000000"],
        "reference": [None, "771001"],
    }

    pay(statement, create_user(insurer_role="admin"), "1890000", reference="TR-1002")
    statement.refresh_from_db()
    assert (statement.paid_total, statement.state, statement.outstanding) == (
        Decimal("2890000"),
        "paid",
        Decimal(0),
    )
    assert CommissionPayout.objects.filter(statement=statement).count() == 2


def test_paying_more_than_outstanding_is_refused_and_nothing_changes(statement, operator):
    pay(statement, operator, "2000000")
    before = snapshot(statement)
    audit_rows = AuditLog.objects.count()
    with pytest.raises(ValidationError) as refused:
        pay(statement, operator, "890001", reference="TR-2")
    assert refused.value.message_dict == {"amount": ["مانده این صورت‌حساب تنها ۸۹۰٬۰۰۰ ریال است."]}
    assert snapshot(statement) == before
    assert CommissionPayout.objects.count() == 1
    assert AuditLog.objects.count() == audit_rows


def test_a_transfer_reference_is_used_once_per_agency(
    statement, sell, agency, other_agency, operator
):
    sell(agency, jalali_moment(1404, 9, 3))
    sell(other_agency, jalali_moment(1404, 9, 4))
    azar = {s.agency_id: s for s in build(AZAR)}
    pay(statement, operator, "1000")
    before = snapshot(azar[agency.pk])
    with pytest.raises(ValidationError) as refused:
        pay(azar[agency.pk], operator, "1000", reference=" TR-1001 ")
    assert refused.value.message_dict == {
        "reference": ["پرداختی با این شماره پیگیری واریز پیش‌تر برای این نمایندگی ثبت شده است."]
    }
    assert snapshot(azar[agency.pk]) == before
    assert CommissionPayout.objects.count() == 1
    # Another agency's bank may use the same reference.
    pay(azar[other_agency.pk], operator, "1000")
    assert CommissionPayout.objects.count() == 2


def test_no_amount_no_reference_or_a_future_date_is_refused(statement, operator):
    tomorrow = timezone.localdate(timezone=tehran()) + dt.timedelta(days=1)
    cases = [
        ({"amount": "0"}, {"amount": ["مبلغ باید بیشتر از صفر باشد."]}),
        ({"amount": "-5"}, {"amount": ["مبلغ باید بیشتر از صفر باشد."]}),
        ({"amount": "10.5"}, {"amount": ["مبلغ را به ریال و بدون اعشار بنویسید."]}),
        (
            {"amount": "10", "paid_on": tomorrow},
            {"paid_on": ["تاریخ پرداخت نمی‌تواند در آینده باشد."]},
        ),
        ({"amount": "10", "reference": "  "}, {"reference": ["شماره پیگیری واریز را بنویسید."]}),
    ]
    before = snapshot(statement)
    for kwargs, errors in cases:
        with pytest.raises(ValidationError) as refused:
            pay(statement, operator, **kwargs)
        assert refused.value.message_dict == errors
    assert snapshot(statement) == before
    assert not CommissionPayout.objects.exists()
    assert not AuditLog.objects.filter(action="commission_statement.payout_recorded").exists()
    pay(statement, operator, "10", paid_on=timezone.localdate(timezone=tehran()))
    assert CommissionPayout.objects.count() == 1


def test_only_operators_and_admins_record_payouts(statement):
    before = snapshot(statement)
    for actor in (
        None,
        create_user(insurer_role="branch_manager"),
        create_user(insurer_role="marketing"),
        create_user(),
    ):
        with pytest.raises(PermissionDenied) as refused:
            pay(statement, actor, "1000")
        assert str(refused.value) == "تنها کارشناسان شعبه مجازی پرداخت کارمزد را ثبت می‌کنند."
    assert snapshot(statement) == before
    assert not CommissionPayout.objects.exists()


# ---- reconciliation with settlement -----------------------------------------------------


def test_a_statement_whose_policies_are_all_settled_and_confirmed_reconciles(sell, agency):
    for day in (3, 4, 5):
        settled(sell(agency, jalali_moment(1404, 8, day)))
    (statement,) = build(ABAN)

    result = commission_statement_reconciliation(statement=statement)

    assert result.reconciles
    assert result.differing == []
    assert (result.policy_count, result.settled_count, result.confirmed_count) == (3, 3, 3)
    assert (
        result.premium_total
        == result.settled_amount
        == result.confirmed_amount
        == Decimal("195942000")
    )
    assert result.commission_total == result.settled_commission == Decimal("8670000")
    assert result.unsettled_count == 0


def test_unsettled_and_differing_policies_are_listed(sell, agency):
    fine = sell(agency, jalali_moment(1404, 8, 3))
    settled(fine)
    missing = sell(agency, jalali_moment(1404, 8, 4))  # no settlement item at all
    open_batch = sell(agency, jalali_moment(1404, 8, 5))
    settled(
        open_batch,
        batch_state=SettlementBatch.State.OPEN,
        item_state="pending",
        confirmed_amount=None,
    )
    other_amount = sell(agency, jalali_moment(1404, 8, 6))
    settled(
        other_amount,
        batch_state=SettlementBatch.State.DISCREPANT,
        item_state=SettlementItem.State.DIFFERS,
        confirmed_amount=Decimal("65000000"),
    )
    other_commission = sell(agency, jalali_moment(1404, 8, 7))
    settled(other_commission, item_commission=Decimal("2000000"))
    waiting = sell(agency, jalali_moment(1404, 8, 8))
    settled(
        waiting,
        batch_state=SettlementBatch.State.EXPORTED,
        item_state="pending",
        confirmed_amount=None,
    )
    (statement,) = build(ABAN)

    result = commission_statement_reconciliation(statement=statement)

    assert not result.reconciles
    reasons = {row.policy_number: row.reasons for row in result.differing}
    assert reasons == {
        missing.policy.number: (Difference.NOT_SETTLED,),
        open_batch.policy.number: (Difference.NOT_SETTLED,),
        other_amount.policy.number: (Difference.CONFIRMED_AMOUNT,),
        other_commission.policy.number: (Difference.COMMISSION,),
        waiting.policy.number: (Difference.NOT_CONFIRMED,),
    }
    assert fine.policy.number not in reasons
    assert (result.policy_count, result.settled_count, result.confirmed_count) == (6, 4, 2)
    assert result.unsettled_count == 2
    assert result.premium_total == Decimal("391884000")
    assert result.settled_amount == Decimal("261256000")  # four policies of 65,314,000
    assert result.confirmed_amount == Decimal("130628000")  # the fine one and the commission one
    assert result.commission_total == Decimal("17340000")
    assert result.settled_commission == Decimal("2890000") * 3 + Decimal("2000000")
    differing = {row.policy_number: row for row in result.differing}
    row = differing[other_amount.policy.number]
    assert (row.item_amount, row.confirmed_amount, row.item_state) == (
        Decimal("65314000"),
        Decimal("65000000"),
        "differs",
    )
    assert [str(label) for label in row.reason_labels] == [
        "سامانه مرکزی مبلغ دیگری را تأیید کرده است"
    ]
    assert differing[missing.policy.number].item_amount is None


# ---- PDF and Excel -----------------------------------------------------------------------


def _paid_statement(sell, agency, operator):
    first = sell(agency, jalali_moment(1404, 8, 3))
    second = sell(
        agency,
        jalali_moment(1404, 8, 30, 23, 59),
        premium="12345000",
        base="11000000",
        percent="10",
    )
    settled(first)
    (statement,) = build(ABAN)
    pay(
        statement,
        operator,
        "1500000",
        reference="TR-55",
        paid_on=dt.date(2025, 12, 1),
        note="واریز",
    )
    statement.refresh_from_db()
    return statement, first, second


def test_the_pdf_is_the_statement(sell, agency, operator):
    from pypdf import PdfReader

    statement, first, second = _paid_statement(sell, agency, operator)

    content = statement_pdf_bytes(statement=statement)

    assert content.startswith(b"%PDF")
    text = unicodedata.normalize(
        "NFKC", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    )

    # Right-to-left lines come out of the PDF with some digit runs reversed.
    def shows(value: str) -> bool:
        return value in text or value[::-1] in text

    assert "صورت‌حساب کارمزد".replace("\u200c", "") in text.replace("\u200c", "")
    assert agency.name.replace(" ", "") in text.replace(" ", "")
    for value in (
        "۶۸۵",  # agency code
        "۱۴۰۴/۰۸/۰۱",
        "۱۴۰۴/۰۸/۳۰",  # the period
        to_persian_digits(first.policy.number),
        "۷۷٬۶۵۹٬۰۰۰",  # premium total
        "۳٬۹۹۰٬۰۰۰",  # commission total
        "۱٬۵۰۰٬۰۰۰",  # paid
        "۲٬۴۹۰٬۰۰۰",  # outstanding
    ):
        assert shows(value), value
    assert "مغایرت" in text  # one policy not settled: it does not reconcile


def test_the_excel_has_the_lines_payouts_and_totals(sell, agency, operator):
    from openpyxl import load_workbook

    statement, first, second = _paid_statement(sell, agency, operator)
    buffer = io.BytesIO()
    with XlsxWriter(buffer) as book:
        statement_xlsx_write(book, statement=statement)

    workbook = load_workbook(io.BytesIO(buffer.getvalue()))

    assert workbook.sheetnames == ["بیمه‌نامه‌ها", "پرداخت‌ها", "جمع‌ها"]
    lines = [list(row) for row in workbook["بیمه‌نامه‌ها"].iter_rows(values_only=True)]
    assert lines == [
        [
            "شماره بیمه‌نامه",
            "رشته بیمه",
            "تاریخ صدور",
            "حق بیمه",
            "حق بیمه خالص",
            "درصد",
            "کارمزد",
        ],
        [first.policy.number, "بیمه آزمایشی", "1404/08/03", 65314000, 57800000, 5, 2890000],
        [second.policy.number, "بیمه آزمایشی", "1404/08/30", 12345000, 11000000, 10, 1100000],
    ]
    payouts = [list(row) for row in workbook["پرداخت‌ها"].iter_rows(values_only=True)]
    assert payouts[1:] == [["1404/09/10", 1500000, "TR-55", "واریز"]]
    totals = dict(workbook["جمع‌ها"].iter_rows(min_row=2, values_only=True))
    assert totals["نمایندگی"] == agency.name
    assert totals["کد نمایندگی"] == 685
    assert totals["دوره"] == "1404/08"
    assert (totals["بیمه‌نامه‌ها"], totals["حق بیمه"], totals["کارمزد"]) == (2, 77659000, 3990000)
    assert (totals["پرداخت‌شده"], totals["مانده"]) == (1500000, 2490000)
    assert totals["مبلغ تسویه‌شده"] == 65314000
    assert totals["مطابقت"] == "با تسویه مطابقت ندارد: 1 بیمه‌نامه مغایرت دارد"


# ---- the beat task -----------------------------------------------------------------------


def test_the_beat_task_builds_the_month_that_ended_last(sell, agency, other_agency, monkeypatch):
    sell(agency, jalali_moment(1404, 8, 3))
    sell(other_agency, jalali_moment(1404, 8, 4))
    monkeypatch.setattr(timezone, "now", lambda: jalali_moment(1404, 9, 1, 0, 30))
    assert (last_ended_month().year, last_ended_month().month) == ABAN

    assert commission_statements_build_due.apply().get() == 2
    assert commission_statements_build_due.apply().get() == 0

    assert set(CommissionStatement.objects.values_list("jalali_year", "jalali_month")) == {ABAN}
    assert set(
        AuditLog.objects.filter(action="commission_statement.built").values_list(
            "actor", "actor_label"
        )
    ) == {(None, "settlement")}


def test_in_farvardin_the_month_that_ended_last_is_esfand(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: jalali_moment(1405, 1, 1, 0, 0, 1))
    month = last_ended_month()
    assert (month.year, month.month, month.first_day, month.last_day) == (
        1404,
        12,
        dt.date(2026, 2, 20),
        dt.date(2026, 3, 20),
    )

"""Daily settlement batches (S-5.2): every verified payment of an issued policy, in exactly
one batch of its agency, for the Tehran business day by whose end it was paid and issued."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from core.jalali import tehran
from core.models import AuditLog
from policies.models import Payment
from settlement.models import SettlementBatch, SettlementItem
from settlement.services.batches import last_ended_day, settlement_batches_build
from settlement.services.exports import settlement_export_create
from settlement.tasks import settlement_batches_build_due
from tests.factories import create_user
from tests.settlement.sales import DAY, commission_of, issue_later, sale, tehran_time

pytestmark = pytest.mark.django_db
NEXT = DAY + dt.timedelta(days=1)


@pytest.fixture
def sell(line, tariff, customer):
    def make(**kwargs):
        return sale(line=line, tariff=tariff, customer=customer, **kwargs)

    return make


def test_each_agencys_payments_of_the_day_make_its_batch(sell, agency, other_agency):
    first = sell(agency=agency, premium="10000000")
    second = sell(agency=agency, premium="2500000", paid_at=tehran_time(DAY, 18))
    third = sell(agency=other_agency, premium="7000000")
    main = sell(agency=None, premium="4000000")

    result = settlement_batches_build(day=DAY)

    assert (result.batches, result.items) == (3, 4)
    batches = {batch.agency_id: batch for batch in SettlementBatch.objects.filter(day=DAY)}
    assert set(batches) == {agency.pk, other_agency.pk, None}
    mine = batches[agency.pk]
    assert (mine.state, mine.item_count, mine.total_amount) == ("open", 2, Decimal("12500000"))
    # 10 % on any line (the default rate) of the net premium, here the whole premium.
    assert (
        mine.total_commission == Decimal("1250000") == commission_of(first) + commission_of(second)
    )
    assert batches[None].total_commission == 0  # the virtual branch's own sale
    item = SettlementItem.objects.get(payment=first)
    policy = first.order.policy
    assert (item.batch, item.policy, item.agency) == (mine, policy, agency)
    assert (item.amount, item.commission, item.policy_number) == (
        Decimal("10000000"),
        Decimal("1000000"),
        policy.number,
    )
    assert (item.line_code, item.gateway, item.bank_reference) == (
        "test_line",
        "sandbox",
        first.reference,
    )
    assert item.paid_at == first.verified_at
    assert SettlementItem.objects.get(payment=third).batch == batches[other_agency.pk]
    assert SettlementItem.objects.get(payment=main).batch == batches[None]


def test_the_day_ends_at_midnight_in_tehran(sell, agency):
    last_second = sell(
        agency=agency, paid_at=tehran_time(DAY, 23, 59, 0), issued_at=tehran_time(DAY, 23, 59, 59)
    )
    next_day = sell(
        agency=agency, paid_at=tehran_time(DAY, 23, 59, 0), issued_at=tehran_time(NEXT, 0, 0, 1)
    )

    settlement_batches_build(day=DAY)

    assert SettlementItem.objects.get(payment=last_second).batch.day == DAY
    assert not SettlementItem.objects.filter(payment=next_day).exists()
    if last_ended_day() >= NEXT:
        settlement_batches_build(day=NEXT)
        assert SettlementItem.objects.get(payment=next_day).batch.day == NEXT


def test_only_verified_payments_of_issued_policies_are_settled(sell, agency, customer):
    waiting = sell(agency=agency, issued=False)
    no_commission_yet = sell(agency=agency, with_commission=False)
    failed = sell(agency=agency)
    Payment.objects.filter(pk=failed.pk).update(state=Payment.State.FAILED)

    assert settlement_batches_build(day=DAY).items == 0
    assert not SettlementBatch.objects.exists()

    # Issued on the next day, it is settled with the next day's batch, never with DAY's.
    issue_later(waiting, issued_at=tehran_time(NEXT, 9))
    assert settlement_batches_build(day=DAY).items == 0
    from settlement.services.commissions import commission_compute

    commission_compute(policy_id=no_commission_yet.order.policy.pk)
    assert settlement_batches_build(day=DAY).items == 1
    assert SettlementItem.objects.get().payment == no_commission_yet


def test_building_again_adds_only_what_is_new_and_each_payment_lands_once(sell, agency):
    sell(agency=agency, premium="1000000")
    settlement_batches_build(day=DAY)
    audits = AuditLog.objects.filter(action__startswith="settlement_batch.").count()

    again = settlement_batches_build(day=DAY)

    assert again.items == 0
    assert AuditLog.objects.filter(action__startswith="settlement_batch.").count() == audits == 1
    # A payment whose transaction committed late (paid and issued before midnight) joins the
    # still open batch of its day …
    late = sell(
        agency=agency,
        premium="2000000",
        paid_at=tehran_time(DAY, 23, 50),
        issued_at=tehran_time(DAY, 23, 51),
    )
    assert settlement_batches_build(day=DAY).items == 1
    batch = SettlementBatch.objects.get()
    assert (batch.item_count, batch.total_amount) == (2, Decimal("3000000"))
    grew = AuditLog.objects.get(action="settlement_batch.grew")
    assert grew.changes["item_count"] == [1, 2]
    assert grew.changes["total_amount"] == ["1000000", "3000000"]
    # … but an exported batch is closed: the next late one waits for the following day.
    settlement_export_create(day=DAY, actor=create_user(insurer_role="operator"))
    later = sell(
        agency=agency,
        premium="3000000",
        paid_at=tehran_time(DAY, 23, 55),
        issued_at=tehran_time(DAY, 23, 56),
    )
    assert settlement_batches_build(day=DAY).items == 0
    assert SettlementItem.objects.filter(payment=later).count() == 0
    assert SettlementItem.objects.get(payment=late).batch == batch


def test_a_day_not_over_is_refused_and_nothing_is_written(sell, agency):
    today = timezone.localdate(timezone=tehran())
    sell(agency=agency, paid_at=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(ValidationError) as refused:
        settlement_batches_build(day=today)
    assert "has not ended yet" in str(refused.value) or "هنوز" in str(refused.value)
    assert not SettlementBatch.objects.exists() and not SettlementItem.objects.exists()


def test_the_hourly_task_builds_yesterday(sell, agency, monkeypatch):
    monkeypatch.setattr("settlement.services.batches.last_ended_day", lambda: DAY)
    sell(agency=agency)
    assert settlement_batches_build_due.apply().get() == 1
    assert settlement_batches_build_due.apply().get() == 0
    assert SettlementBatch.objects.get().day == DAY


@pytest.mark.django_db(transaction=True)
def test_two_builds_at_once_put_each_payment_in_one_batch(
    line, tariff, customer, agency, other_agency, drop_schemas_after
):
    payments = [
        sale(
            line=line, tariff=tariff, customer=customer, agency=(agency, other_agency, None)[n % 3]
        )
        for n in range(12)
    ]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def build() -> None:
        try:
            barrier.wait()
            settlement_batches_build(day=DAY)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SettlementItem.objects.count() == 12
    assert set(SettlementItem.objects.values_list("payment_id", flat=True)) == {
        p.pk for p in payments
    }
    assert SettlementBatch.objects.count() == 3
    assert sum(SettlementBatch.objects.values_list("item_count", flat=True)) == 12

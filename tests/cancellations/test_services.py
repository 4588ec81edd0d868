"""Cancellation (decision 049): the refund by the short-rate table, the customer's request
and its refusals, the operator's approval (policy ended, refund due, audited, texted) and
what follows it in settlement, commissions and the CRM's book."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.signals import post_save

from cancellations.models import CancellationRequest, Refund, ShortRateTable
from cancellations.rules import refund_quote
from cancellations.services import (
    cancellation_approve,
    cancellation_quote,
    cancellation_reject,
    cancellation_request,
    cancellation_withdraw,
)
from core.errors import Conflict
from core.jalali import tehran_today
from core.models import AuditLog, SmsMessage
from policies.models import Policy
from policies.signals import policy_cancelled
from settlement.models import CommissionClawback, SettlementBatch, SettlementItem
from settlement.services.batches import last_ended_day, settlement_batches_build
from settlement.services.commissions import commission_clawback_compute
from settlement.services.statements import commission_statements_build

pytestmark = pytest.mark.django_db
TODAY = tehran_today


def ask(policy, customer, *, days_from_today=0, reason="sold"):
    return cancellation_request(
        policy=policy,
        customer=customer,
        last_day=TODAY() + dt.timedelta(days=days_from_today),
        reason=reason,
        note="  فروش   خودرو ",
    )


# ---- the rule is data --------------------------------------------------------------------


def test_the_seeded_short_rate_scale_keeps_a_share_by_days_used():
    start = dt.date(2026, 1, 1)
    quote = refund_quote(
        line_code="fire",
        premium=Decimal("12000000"),
        start=start,
        end=start + dt.timedelta(days=365),
        last_day=start + dt.timedelta(days=40),
    )
    # 40 days used: the band "up to 60 days" keeps 40 %.
    assert (quote.days_used, quote.term_days, quote.kept_percent) == (40, 365, Decimal("40.00"))
    assert (quote.kept, quote.refund) == (Decimal("4800000"), Decimal("7200000"))
    assert quote.table.line_code == "fire"
    late = refund_quote(
        line_code="fire",
        premium=Decimal("12000000"),
        start=start,
        end=start + dt.timedelta(days=365),
        last_day=start + dt.timedelta(days=320),
    )
    assert (late.kept_percent, late.refund) == (Decimal("100.00"), Decimal("0"))


def test_third_party_is_pro_rata_and_a_line_without_a_table_takes_the_default():
    start = dt.date(2026, 1, 1)
    quote = refund_quote(
        line_code="third_party",
        premium=Decimal("10000001"),
        start=start,
        end=start + dt.timedelta(days=365),
        last_day=start + dt.timedelta(days=73),
    )
    assert quote.kept_percent == Decimal("20.00")
    assert (quote.kept, quote.refund) == (Decimal("2000000"), Decimal("8000001"))
    other = refund_quote(
        line_code="no_such_line",
        premium=Decimal("1000"),
        start=start,
        end=start + dt.timedelta(days=365),
        last_day=start,
    )
    assert other.table.line_code == ShortRateTable.DEFAULT
    assert (other.kept_percent, other.kept, other.refund) == (
        Decimal("20.00"),
        Decimal("200"),
        Decimal("800"),
    )


# ---- the customer's request ------------------------------------------------------------


def test_a_request_keeps_the_figures_shown_and_is_audited(policy, customer):
    shown = cancellation_quote(policy=policy, customer=customer, last_day=TODAY())
    request = ask(policy, customer)

    assert request.state == CancellationRequest.State.PENDING
    assert (request.premium, request.days_used, request.kept, request.refund) == (
        Decimal("12000000"),
        40,
        Decimal("4800000"),
        Decimal("7200000"),
    )
    assert (request.kept, request.refund) == (shown.kept, shown.refund)
    assert request.note == "فروش خودرو"
    assert request.agency_id == policy.agency_id
    assert AuditLog.objects.filter(
        action="cancellation.requested", target_id=str(request.pk), actor=customer
    ).exists()
    policy.refresh_from_db()
    assert policy.state == Policy.State.ACTIVE  # nothing ends before an operator approves


def test_someone_elses_policy_is_refused(policy, stranger):
    with pytest.raises(PermissionDenied):
        ask(policy, stranger)
    assert not CancellationRequest.objects.exists()


def test_a_second_pending_request_is_refused_in_persian(policy, customer):
    ask(policy, customer)
    with pytest.raises(Conflict) as refused:
        ask(policy, customer, days_from_today=3)
    assert "در انتظار" in " ".join(refused.value.messages) or refused.value.code
    assert CancellationRequest.objects.count() == 1


@pytest.mark.parametrize("days", [-1, 400])
def test_a_day_outside_today_to_the_end_is_refused(policy, customer, days):
    with pytest.raises(ValidationError) as refused:
        ask(policy, customer, days_from_today=days)
    assert "last_day" in refused.value.message_dict
    assert not CancellationRequest.objects.exists()


def test_a_cancelled_or_expired_policy_is_refused(policy, customer):
    Policy.objects.filter(pk=policy.pk).update(state=Policy.State.CANCELLED)
    policy.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        ask(policy, customer)
    assert refused.value.code == "policy_cancelled"
    Policy.objects.filter(pk=policy.pk).update(
        state=Policy.State.ACTIVE, end_date=TODAY() - dt.timedelta(days=1)
    )
    policy.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        ask(policy, customer)
    assert refused.value.code == "policy_expired"
    assert not CancellationRequest.objects.exists()


def test_a_claim_follows_the_lines_rule(policy, customer, claims):
    claims.add(policy.pk)
    with pytest.raises(Conflict) as refused:
        ask(policy, customer)  # the default table refuses when a claim exists
    assert refused.value.code == "policy_has_claim"
    ShortRateTable.objects.filter(line_code="").update(refuse_when_claim=False)
    assert ask(policy, customer).state == CancellationRequest.State.PENDING


def test_a_reason_must_be_chosen(policy, customer):
    with pytest.raises(ValidationError):
        ask(policy, customer, reason="bored")


# ---- the operator's decision -----------------------------------------------------------


def test_approval_ends_the_policy_records_the_refund_and_texts_the_customer(
    settled, customer, operator, django_capture_on_commit_callbacks
):
    request = ask(settled, customer, days_from_today=5)
    sent: list[int] = []

    def heard(sender, policy, **kwargs):
        sent.append(policy.pk)

    policy_cancelled.connect(heard, dispatch_uid="test.heard")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            refund = cancellation_approve(request=request, actor=operator)
    finally:
        policy_cancelled.disconnect(dispatch_uid="test.heard")

    settled.refresh_from_db()
    assert settled.state == Policy.State.CANCELLED
    assert settled.cancelled_on == TODAY() + dt.timedelta(days=5)
    # 45 days used: the band "up to 60 days" keeps 40 % of 12,000,000.
    assert settled.refund_amount == refund.amount == Decimal("7200000")
    assert refund.state == Refund.State.DUE
    assert sent == [settled.pk]  # after commit, once
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (CancellationRequest.State.APPROVED, operator)
    for action in ("cancellation.approved", "refund.recorded", "policy.cancelled"):
        assert AuditLog.objects.filter(action=action, actor=operator).count() == 1
    assert SmsMessage.objects.filter(kind="cancellation_approved", to=customer.mobile).count() == 1
    # The commission is clawed back: its share of the refund, negative.
    clawback = CommissionClawback.objects.get(policy=settled)
    assert clawback.amount == Decimal("-720000")  # 10 % commission × 7.2 / 12


def test_approval_is_refused_twice_and_by_someone_else(policy, customer, operator, stranger):
    request = ask(policy, customer)
    with pytest.raises(PermissionDenied):
        cancellation_approve(request=request, actor=stranger)
    cancellation_approve(request=request, actor=operator)
    with pytest.raises(Conflict):
        cancellation_approve(request=request, actor=operator)
    with pytest.raises(Conflict):
        cancellation_reject(request=request, actor=operator, note="دیر شده است")
    assert Refund.objects.count() == 1


def test_a_claim_filed_meanwhile_stops_the_approval(policy, customer, operator, claims):
    request = ask(policy, customer)
    claims.add(policy.pk)
    with pytest.raises(Conflict):
        cancellation_approve(request=request, actor=operator)
    policy.refresh_from_db()
    request.refresh_from_db()
    assert (policy.state, request.state) == (Policy.State.ACTIVE, "pending")
    assert not Refund.objects.exists()


def test_rejection_needs_a_reason_and_withdrawal_is_the_customers(
    policy, customer, operator, stranger
):
    request = ask(policy, customer)
    with pytest.raises(ValidationError):
        cancellation_reject(request=request, actor=operator, note="نه")
    with pytest.raises(PermissionDenied):
        cancellation_withdraw(request=request, customer=stranger)
    cancellation_withdraw(request=request, customer=customer)
    request.refresh_from_db()
    assert request.state == CancellationRequest.State.WITHDRAWN
    # A withdrawn request no longer blocks a new one.
    assert ask(policy, customer).state == CancellationRequest.State.PENDING


# ---- settlement, commissions and the book see the reversal -----------------------------


def _approved_yesterday(policy, customer, operator):
    request = ask(policy, customer)
    cancellation_approve(request=request, actor=operator)
    yesterday = dt.datetime.combine(last_ended_day(), dt.time(12), tzinfo=dt.UTC)
    Policy.objects.filter(pk=policy.pk).update(cancelled_at=yesterday)
    # What the receiver's task does after commit (the test's transaction never commits).
    commission_clawback_compute(policy_id=policy.pk)
    return request


def test_the_refund_is_a_negative_item_in_the_next_batch_once(settled, customer, operator):
    request = _approved_yesterday(settled, customer, operator)
    sale_item = SettlementItem.objects.get(policy=settled)

    first = settlement_batches_build(day=last_ended_day())
    again = settlement_batches_build(day=last_ended_day())

    assert (first.items, again.items) == (1, 0)
    reversal = SettlementItem.objects.get(reverses=sale_item)
    assert (reversal.amount, reversal.commission) == (-request.refund, Decimal("-720000"))
    assert (reversal.payment_id, reversal.policy_id) == (None, None)
    assert reversal.policy_number == settled.number
    batch = SettlementBatch.objects.get(day=last_ended_day(), agency=settled.agency)
    assert reversal.batch == batch
    assert (batch.item_count, batch.total_amount, batch.total_commission) == (
        1,
        Decimal("-7200000"),
        Decimal("-720000"),
    )


def test_a_main_site_policy_is_reversed_without_a_clawback(sell, customer, operator, sold_day):
    policy = sell(agency=None)
    settlement_batches_build(day=sold_day)
    _approved_yesterday(policy, customer, operator)
    assert not CommissionClawback.objects.exists()
    settlement_batches_build(day=last_ended_day())
    reversal = SettlementItem.objects.get(reverses__policy=policy)
    assert (reversal.agency_id, reversal.amount, reversal.commission) == (
        None,
        Decimal("-7200000"),
        Decimal("0"),
    )


def test_the_clawback_is_computed_once_and_goes_on_the_next_statement(policy, customer, operator):
    _approved_yesterday(policy, customer, operator)
    first = CommissionClawback.objects.get(policy=policy)
    assert commission_clawback_compute(policy_id=policy.pk) == first  # a second run
    policy_cancelled.send(sender=Policy, policy=policy)  # the receiver again: nothing new
    assert CommissionClawback.objects.count() == 1
    assert (first.amount, first.base, first.refund) == (
        Decimal("-720000"),
        Decimal("-7200000"),
        Decimal("7200000"),
    )


def test_the_statement_of_the_month_carries_the_clawback(policy, customer, operator):
    from unittest import mock

    from core.jalali import to_jalali
    from settlement.models import CommissionStatement
    from settlement.selectors_statements import (
        commission_statement_lines,
        commission_statement_reconciliation,
    )
    from settlement.services import statements as module

    _approved_yesterday(policy, customer, operator)
    now = to_jalali(TODAY())
    # Build this Jalali month as if it had ended: the sale and its clawback are both in it.
    later = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    with mock.patch.object(module.timezone, "now", return_value=later):
        built = commission_statements_build(
            jalali_year=now.year, jalali_month=now.month, actor=None
        )
    statement = CommissionStatement.objects.get(agency=policy.agency)
    assert [item.pk for item in built] == [statement.pk]
    assert statement.clawback_total == Decimal("-720000")
    assert statement.commission_total == Decimal("480000")  # 1,200,000 − 720,000
    assert (statement.policy_count, statement.premium_total) == (1, Decimal("12000000"))
    rows = list(commission_statement_lines(statement=statement))
    assert sorted(row["amount"] for row in rows) == [Decimal("-720000"), Decimal("1200000")]
    assert {row["policy_number"] for row in rows} == {policy.number}
    assert min(row["premium"] for row in rows) == Decimal("-7200000")
    # Reconciled against settlement's sale items: the clawback is not a difference there.
    assert commission_statement_reconciliation(statement=statement).commission_total == Decimal(
        "1200000"
    )


def test_the_crm_book_sees_the_policy_cancelled(
    policy, customer, operator, django_capture_on_commit_callbacks
):
    from django_tenants.utils import schema_context

    from crm.models import BookPolicy
    from crm.services.ledger import ledger_policies_sync

    with schema_context(policy.agency.schema_name):
        ledger_policies_sync(agency=policy.agency, policy_ids=[policy.pk])
        assert BookPolicy.objects.get(policy_id=policy.pk).state != BookPolicy.State.CANCELLED
    request = ask(policy, customer)
    with django_capture_on_commit_callbacks(execute=True):
        cancellation_approve(request=request, actor=operator)
    with schema_context(policy.agency.schema_name):
        assert BookPolicy.objects.get(policy_id=policy.pk).state == BookPolicy.State.CANCELLED


def test_no_request_is_written_when_a_save_fails(policy, customer):
    def boom(sender, instance, **kwargs):
        raise RuntimeError("disk full")

    post_save.connect(boom, sender=CancellationRequest, dispatch_uid="test.boom")
    try:
        with pytest.raises(RuntimeError):
            ask(policy, customer)
    finally:
        post_save.disconnect(dispatch_uid="test.boom", sender=CancellationRequest)
    assert not CancellationRequest.objects.exists()
    assert not AuditLog.objects.filter(action="cancellation.requested").exists()

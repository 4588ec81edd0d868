"""The day's renewal and lapsed items (decision 041): who enters which list, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditLog
from crm.models import BookPolicy, Customer
from crm.signals import book_policies_cancelled
from crm.tasks import crm_policy_sync
from policies.models import Policy
from renewals.models import RenewalSettings, WorkItem
from renewals.services.build import lapsed_items_build, renewal_items_build
from tests.crm.conftest import sell
from tests.renewals.conftest import add_policy, inside

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 6)


def _days(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def _items(agency, kind: str) -> dict[int, WorkItem]:
    with inside(agency):
        return {item.book_policy_id: item for item in WorkItem.objects.filter(kind=kind)}


def _build(agency, builder=renewal_items_build, day=DAY) -> int:
    with inside(agency):
        return builder(agency=agency, day=day)


def test_policies_ending_within_25_days_enter_the_renewal_list_once(agency):
    before = add_policy(agency, end_date=_days(-1))
    first = add_policy(agency, end_date=DAY, premium=Decimal("7500000"), commission=Decimal(9))
    last = add_policy(agency, end_date=_days(25))
    after = add_policy(agency, end_date=_days(26))
    with inside(agency):
        ledger = BookPolicy.objects.create(
            customer=first.customer,
            origin="ledger",
            policy_id=987654,
            line_code="third_party",
            number="1405-1-1",
            end_date=_days(10),
            premium=Decimal(100),
        )
    assert _build(agency) == 3
    items = _items(agency, "renewal")
    assert set(items) == {first.pk, last.pk, ledger.pk}
    assert before.pk not in items and after.pk not in items
    item = items[first.pk]
    assert (item.customer_id, item.line_code, item.end_date) == (
        first.customer_id,
        first.line_code,
        DAY,
    )
    assert (item.premium, item.commission) == (Decimal("7500000"), Decimal(9))
    assert (item.state, item.queue, item.created_on) == ("open", "calls", DAY)
    assert item.assigned_to_user_id is None and item.run_id is None
    # Again, and the next day: nothing twice, only the new day's policy.
    assert _build(agency) == 0
    assert _build(agency, day=_days(1)) == 1
    assert set(_items(agency, "renewal")) == {first.pk, last.pk, ledger.pk, after.pk}


def test_renewed_cancelled_and_merged_policies_stay_out(agency):
    renewed_old = add_policy(agency, end_date=_days(5))
    new = add_policy(agency, end_date=_days(370), customer=renewed_old.customer)
    cancelled = add_policy(agency, end_date=_days(5), state="cancelled")
    merged = add_policy(agency, end_date=_days(5))
    kept = add_policy(agency, end_date=_days(5))
    with inside(agency):
        BookPolicy.objects.filter(pk=renewed_old.pk).update(renewed_by=new)
        Customer.objects.filter(pk=merged.customer_id).update(
            merged_into=kept.customer, merged_at=timezone.now()
        )
    assert _build(agency) == 1
    assert set(_items(agency, "renewal")) == {kept.pk}
    assert cancelled.pk not in _items(agency, "renewal")


def test_lapsed_after_48_hours_within_the_horizon(agency):
    two_days = add_policy(agency, end_date=_days(-2))
    three_days = add_policy(agency, end_date=_days(-3))
    sixty = add_policy(agency, end_date=_days(-60))
    sixty_one = add_policy(agency, end_date=_days(-61))
    assert _build(agency, lapsed_items_build) == 2
    assert set(_items(agency, "lapsed")) == {three_days.pk, sixty.pk}
    assert two_days.pk not in _items(agency, "lapsed") and sixty_one.pk not in _items(
        agency, "lapsed"
    )
    # The next day the 48 hours of the first have passed; a shorter horizon drops none
    # that are already in.
    with inside(agency):
        RenewalSettings.objects.filter(pk=1).update(lapsed_horizon_days=10)
    far = add_policy(agency, end_date=_days(-11))
    assert _build(agency, lapsed_items_build, day=_days(1)) == 1
    assert set(_items(agency, "lapsed")) == {three_days.pk, sixty.pk, two_days.pk}
    assert far.pk not in _items(agency, "lapsed")


def test_the_book_marks_ended_policies_expired(agency):
    ended = add_policy(agency, end_date=_days(-1))
    today = add_policy(agency, end_date=DAY)
    cancelled = add_policy(agency, end_date=_days(-4), state="cancelled")
    _build(agency, lapsed_items_build)
    with inside(agency):
        states = dict(BookPolicy.objects.values_list("pk", "state"))
    assert states[ended.pk] == "expired"
    assert states[today.pk] == "active"
    assert states[cancelled.pk] == "cancelled"
    assert cancelled.pk not in _items(agency, "lapsed")


def _closed_renewal_item(agency, policy, outcome: str) -> None:
    with inside(agency):
        WorkItem.objects.create(
            kind="renewal",
            book_policy=policy,
            customer=policy.customer,
            line_code=policy.line_code,
            end_date=policy.end_date,
            created_on=policy.end_date - dt.timedelta(days=25),
            state="closed",
            outcome=outcome,
        )


def test_renewed_or_handled_policies_are_not_called_again_after_the_lapse(agency):
    policies = {
        outcome: add_policy(agency, end_date=_days(-5))
        for outcome in ("renewed_elsewhere", "declined_sold", "renewed", "declined_price")
    }
    for outcome, policy in policies.items():
        _closed_renewal_item(agency, policy, outcome)
    linked = add_policy(agency, end_date=_days(-5))
    successor = add_policy(agency, end_date=_days(360), customer=linked.customer)
    with inside(agency):
        BookPolicy.objects.filter(pk=linked.pk).update(renewed_by=successor, state="renewed")
    assert _build(agency, lapsed_items_build) == 1
    # A price refusal is not the end: the customer is now uninsured and gets a lapse call.
    assert set(_items(agency, "lapsed")) == {policies["declined_price"].pk}


def test_an_open_renewal_item_of_a_lapsed_policy_closes_as_lapsed(agency):
    lapsed = add_policy(agency, end_date=_days(-3))
    recent = add_policy(agency, end_date=_days(-2))
    _build(agency, day=_days(-20))
    assert _build(agency, lapsed_items_build) == 1
    renewal = _items(agency, "renewal")
    assert (renewal[lapsed.pk].state, renewal[lapsed.pk].outcome) == ("closed", "lapsed")
    assert renewal[lapsed.pk].closed_at is not None
    assert (renewal[recent.pk].state, renewal[recent.pk].outcome) == ("open", "")
    assert set(_items(agency, "lapsed")) == {lapsed.pk}
    audits = AuditLog.objects.filter(action="renewal_item.lapsed", agency_id=agency.pk)
    assert [(a.target_type, a.target_id, a.actor_id, a.actor_label) for a in audits] == [
        ("renewals.workitem", str(renewal[lapsed.pk].pk), None, "renewals")
    ]
    assert audits[0].changes == {"state": ["open", "closed"], "outcome": ["", "lapsed"]}
    # Again: nothing more closed, built or audited.
    assert _build(agency, lapsed_items_build) == 0
    assert AuditLog.objects.filter(action="renewal_item.lapsed").count() == 1


def test_cancelled_policies_close_their_open_items(agency):
    doomed = add_policy(agency, end_date=_days(10))
    other = add_policy(agency, end_date=_days(10))
    _build(agency)
    with inside(agency):
        BookPolicy.objects.filter(pk=doomed.pk).update(state="cancelled")
        book_policies_cancelled.send(sender=BookPolicy, agency=agency, book_ids=[doomed.pk])
    items = _items(agency, "renewal")
    assert (items[doomed.pk].state, items[doomed.pk].outcome) == ("closed", "cancelled")
    assert items[other.pk].state == "open"
    audit = AuditLog.objects.get(action="renewal_item.closed", agency_id=agency.pk)
    assert (audit.target_id, audit.actor_label) == (str(items[doomed.pk].pk), "renewals")
    assert audit.changes["outcome"] == ["", "cancelled"]
    # A policy the ledger did not cancel keeps its items whatever a signal says.
    with inside(agency):
        book_policies_cancelled.send(sender=BookPolicy, agency=agency, book_ids=[other.pk])
    assert _items(agency, "renewal")[other.pk].state == "open"


def test_a_policy_the_ledger_cancels_closes_its_items(agency, sale_line):
    policy = sell(agency, sale_line)
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        book = BookPolicy.objects.get(policy_id=policy.pk)
        WorkItem.objects.create(
            kind="followup",
            book_policy=book,
            customer=book.customer,
            line_code=book.line_code,
            created_on=DAY,
        )
    Policy.objects.filter(pk=policy.pk).update(state=Policy.State.CANCELLED)
    crm_policy_sync.delay(agency.schema_name, policy.pk)
    with inside(agency):
        item = WorkItem.objects.get()
    assert (item.state, item.outcome) == ("closed", "cancelled")
    assert AuditLog.objects.filter(
        action="renewal_item.closed", target_id=str(item.pk), actor_label="renewals"
    ).exists()

"""Commissions (S-5.3): the rate in force for the agency's kind and the line on the issue
day, on the net premium, fixed once when the policy is issued."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditLog
from policies.models import Order, Policy
from policies.services.issuance import policy_issue
from policies.services.quotes import quote_create
from settlement.models import Commission, CommissionRate
from settlement.services.commissions import (
    commission_compute,
    commission_rate_add,
    commission_rate_for,
)
from settlement.tasks import commissions_backfill
from tenants.panel.dashboard import collect, period_for
from tests.factories import create_user
from tests.policies.test_quotes import THIRD_PARTY

pytestmark = pytest.mark.django_db

START = dt.date(2020, 3, 20)


def order_from(quote, *, agency, customer) -> Order:
    return Order.objects.create(
        channel=Order.Channel.AGENCY if agency else Order.Channel.MAIN,
        agency=agency,
        customer=customer,
        quote=quote,
        line=quote.line,
        tariff_version=quote.tariff_version,
        premium=quote.premium,
        breakdown=quote.breakdown,
        term_days=365,
        state=Order.State.PAID,
        paid_at=timezone.now(),
    )


@pytest.fixture
def issuing_agency(agency):
    agency.can_issue = True
    agency.save()
    return agency


def issue(agency, customer, capture) -> Policy:
    quote = quote_create(line="third_party", answers=THIRD_PARTY, agency=agency)
    order = order_from(quote, agency=agency, customer=customer)
    actor = agency.memberships.get().user if agency else create_user(insurer_role="operator")
    with capture(execute=True):
        return policy_issue(order=order, actor=actor)


def test_the_most_specific_rate_in_force_applies(db):
    # The defaults: any kind 10 % (third-party 5 %), brokers 12 % on every line.
    assert commission_rate_for(agency_kind="agent", line_code="third_party", on=START).percent == 5
    assert commission_rate_for(agency_kind="agent", line_code="fire", on=START).percent == 15
    assert commission_rate_for(agency_kind="agent", line_code="other", on=START).percent == 10
    assert commission_rate_for(agency_kind="broker", line_code="fire", on=START).percent == 12
    assert (
        commission_rate_for(agency_kind="agent", line_code="fire", on=START - dt.timedelta(1))
        is None
    )
    commission_rate_add(
        agency_kind="",
        line_code="fire",
        percent=Decimal("17"),
        effective_from=dt.date(2026, 1, 1),
        actor=None,
    )
    assert (
        commission_rate_for(agency_kind="agent", line_code="fire", on=dt.date(2025, 12, 31)).percent
        == 15
    )
    assert (
        commission_rate_for(agency_kind="agent", line_code="fire", on=dt.date(2026, 1, 1)).percent
        == 17
    )


def test_commission_is_fixed_at_issuance_on_the_net_premium(
    catalog, issuing_agency, customer, django_capture_on_commit_callbacks
):
    policy = issue(issuing_agency, customer, django_capture_on_commit_callbacks)
    commission = Commission.objects.get(policy=policy)
    # Premium 65,314,000 = net 57,800,000 + VAT 5,780,000 + duties 1,734,000; 5 % of the net.
    assert (commission.base, commission.percent, commission.amount) == (
        Decimal("57800000"),
        Decimal("5.00"),
        Decimal("2890000"),
    )
    assert commission.agency == issuing_agency
    assert AuditLog.objects.filter(action="commission.computed").count() == 1
    # Computing again changes nothing; a later rate does not touch it.
    assert commission_compute(policy_id=policy.pk).pk == commission.pk
    commission_rate_add(
        agency_kind="",
        line_code="third_party",
        percent=Decimal("7"),
        effective_from=timezone.localdate() + dt.timedelta(days=1),
        actor=None,
    )
    assert Commission.objects.get(policy=policy).amount == Decimal("2890000")


def test_a_main_site_policy_without_an_agency_earns_no_commission(
    catalog, customer, django_capture_on_commit_callbacks
):
    policy = issue(None, customer, django_capture_on_commit_callbacks)
    assert policy.agency is None and not Commission.objects.exists()


def test_the_backfill_computes_what_a_crash_left_out(
    catalog, issuing_agency, customer, django_capture_on_commit_callbacks
):
    policy = issue(issuing_agency, customer, django_capture_on_commit_callbacks)
    Commission.objects.all().delete()
    assert commissions_backfill.apply().get() == 1
    assert commissions_backfill.apply().get() == 0
    assert Commission.objects.get(policy=policy).amount == Decimal("2890000")


def test_the_dashboard_shows_the_agencys_commission(
    catalog, issuing_agency, other_agency, customer, django_capture_on_commit_callbacks
):
    issue(issuing_agency, customer, django_capture_on_commit_callbacks)
    cards, _charts = collect(agency=issuing_agency, period=period_for("30d"))
    assert {card.key: card.value for card in cards}["commission"] == "2,890,000"
    other, _ = collect(agency=other_agency, period=period_for("30d"))
    assert {card.key: card.value for card in other}["commission"] == "0"


def test_rates_are_checked(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        commission_rate_add(
            agency_kind="", line_code="*", percent=Decimal("60"), effective_from=START, actor=None
        )
    assert CommissionRate.objects.filter(percent=60).count() == 0


def test_a_rate_for_every_line_can_be_added(db):
    rate = commission_rate_add(
        agency_kind="marketer",
        line_code="",
        percent=Decimal("8"),
        effective_from=dt.date(2026, 1, 1),
        actor=None,
    )
    assert rate.line_code == CommissionRate.ANY_LINE
    assert (
        commission_rate_for(agency_kind="marketer", line_code="fire", on=dt.date(2026, 2, 1))
        == rate
    )

"""First to accept wins (S-3.2): one conditional update decides; every other offer is
withdrawn; the order becomes the agency's; the customer is told who will call."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditLog, SmsMessage
from policies.models import Order, SalesEvent
from policies.selectors_issuance import agency_orders, issuance_queue
from policies.services.issuance import policy_issue
from referrals.models import Offer, Referral, ReferralEvent
from referrals.services import (
    OfferGone,
    offer_accept,
    offer_decline,
    referral_advance,
    referral_start,
)
from tests.factories import create_user
from tests.referrals.conftest import place

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(settings_row, paid_order):
    """Wave 1 offered to two agencies; a third waits for wave 2."""
    first = place(km_east=1, name="نمایندگی اول", phone="021-11112222")
    second = place(km_east=2, name="نمایندگی دوم")
    third = place(km_east=3)
    referral = referral_start(order_id=paid_order.pk)
    return referral, first, second, third


def owner(agency):
    return agency.memberships.get().user


def test_the_accepting_agency_gets_the_order_and_the_others_are_withdrawn(offered, paid_order):
    referral, first, second, _third = offered
    offer = referral.offers.get(agency=second)
    accepted = offer_accept(offer_id=offer.pk, agency=second, actor=owner(second))

    assert accepted.state == Offer.State.ACCEPTED and accepted.answered_by == owner(second)
    referral.refresh_from_db()
    assert referral.state == Referral.State.ACCEPTED and referral.agency == second
    assert referral.due_at is None
    assert referral.offers.get(agency=first).state == Offer.State.WITHDRAWN
    paid_order.refresh_from_db()
    assert paid_order.agency == second and not paid_order.awaiting_agency
    assert paid_order.channel == Order.Channel.MAIN
    assert paid_order in agency_orders(agency=second)
    assert paid_order not in agency_orders(agency=first)
    events = list(referral.events.values_list("kind", "agency_id"))
    assert ("accepted", second.pk) in events and ("withdrawn", first.pk) in events
    assert AuditLog.objects.filter(action="referral.accepted", actor=owner(second)).exists()
    assert SalesEvent.objects.filter(order=paid_order, event="agency_assigned").exists()


def test_the_customer_is_texted_the_agency_name_and_phone(offered, paid_order):
    referral, first, _second, _third = offered
    offer_accept(offer_id=referral.offers.get(agency=first).pk, agency=first, actor=owner(first))
    sms = SmsMessage.objects.get(kind="referral_accepted")
    assert sms.to == paid_order.customer.mobile
    assert "نمایندگی اول" in sms.body
    assert "۰۲۱-۱۱۱۱۲۲۲۲" in sms.body


def test_the_second_acceptance_is_refused(offered, paid_order):
    referral, first, second, _third = offered
    offer_accept(offer_id=referral.offers.get(agency=first).pk, agency=first, actor=None)
    with pytest.raises(OfferGone) as refused:
        offer_accept(offer_id=referral.offers.get(agency=second).pk, agency=second, actor=None)
    assert refused.value.code == "taken"
    paid_order.refresh_from_db()
    assert paid_order.agency == first


def test_an_expired_offer_cannot_be_accepted(offered):
    referral, first, _second, third = offered
    offer = referral.offers.get(agency=first)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(OfferGone) as refused:
        offer_accept(offer_id=offer.pk, agency=first, actor=None)
    assert refused.value.code == "expired"
    referral.refresh_from_db()
    assert referral.state == Referral.State.OPEN  # rolled back: the others may still accept


def test_an_offer_of_an_earlier_wave_cannot_be_accepted(offered):
    referral, first, _second, third = offered
    referral_advance(referral_id=referral.pk, now=timezone.now() + dt.timedelta(minutes=11))
    with pytest.raises(OfferGone):
        offer_accept(offer_id=referral.offers.get(agency=first).pk, agency=first, actor=None)
    accepted = offer_accept(offer_id=referral.offers.get(agency=third).pk, agency=third, actor=None)
    assert accepted.state == Offer.State.ACCEPTED


def test_an_agency_cannot_accept_another_agencys_offer(offered):
    referral, first, second, _third = offered
    with pytest.raises(OfferGone) as refused:
        offer_accept(offer_id=referral.offers.get(agency=first).pk, agency=second, actor=None)
    assert refused.value.code == "missing"
    referral.refresh_from_db()
    assert referral.state == Referral.State.OPEN


def test_after_the_fall_nobody_can_accept(settings_row, paid_order):
    agency = place(km_east=1)
    referral = referral_start(order_id=paid_order.pk)
    for _ in range(3):
        referral_advance(referral_id=referral.pk, now=timezone.now() + dt.timedelta(hours=1))
    referral.refresh_from_db()
    assert referral.state == Referral.State.FALLEN
    with pytest.raises(OfferGone):
        offer_accept(offer_id=referral.offers.get().pk, agency=agency, actor=None)


def test_declines_of_the_whole_wave_bring_the_next_wave_now(offered, paid_order):
    referral, first, second, third = offered
    offer_decline(offer_id=referral.offers.get(agency=first).pk, agency=first, actor=None)
    referral.refresh_from_db()
    assert referral.wave == 1  # the other one may still accept
    offer_decline(offer_id=referral.offers.get(agency=second).pk, agency=second, actor=None)
    referral.refresh_from_db()
    # The task ran eagerly on commit in tests; in production a worker or the sweeper does.
    referral_advance(referral_id=referral.pk)
    referral.refresh_from_db()
    assert referral.wave == 2
    assert referral.offers.get(agency=third).state == Offer.State.WAITING
    assert ReferralEvent.objects.filter(kind="declined").count() == 2
    assert AuditLog.objects.filter(action="offer.declined", agency_id=second.pk).exists()
    with pytest.raises(OfferGone):
        offer_decline(offer_id=referral.offers.get(agency=first).pk, agency=first, actor=None)


def test_the_virtual_branch_cannot_issue_an_order_on_offer(offered, paid_order):
    operator = create_user(insurer_role="operator")
    with pytest.raises(ValidationError) as refused:
        policy_issue(order=paid_order, actor=operator)
    assert refused.value.code == "awaiting_agency"
    assert paid_order not in issuance_queue()


def test_an_issuer_holding_a_stale_copy_cannot_issue_after_an_agency_took_it(
    settings_row, paid_order
):
    """The operator opened the order before referral started; an agency then accepted."""
    operator = create_user(insurer_role="operator")
    stale = Order.objects.get(pk=paid_order.pk)  # agency None, not held
    agency = place(km_east=1)
    referral = referral_start(order_id=paid_order.pk)
    offer_accept(offer_id=referral.offers.get().pk, agency=agency, actor=None)
    with pytest.raises(ValidationError) as refused:
        policy_issue(order=stale, actor=operator)
    assert refused.value.code == "awaiting_agency"

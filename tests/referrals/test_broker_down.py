"""The broker is down when the customer comes back from the bank: the page answers, the
order is paid, and the referral the payment could not start is started by the sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import SandboxPayment
from policies.models import Order
from policies.services.payments import payment_start
from referrals.models import Offer, Referral, ReferralEvent
from referrals.services import referrals_start_missed
from tests.policies.fixtures_sales import make_order
from tests.referrals.conftest import CENTRE, place

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_paid_order_is_referred_by_the_sweep(
    client, line, tariff, customer, settings_row, broker_down
):
    near = place(km_east=1)
    order = make_order(
        line=line, tariff=tariff, customer=customer, state=Order.State.AWAITING_PAYMENT
    )
    Order.objects.filter(pk=order.pk).update(latitude=CENTRE[0], longitude=CENTRE[1])
    payment, _redirect = payment_start(
        order=order,
        actor=customer,
        callback_url=lambda p: f"http://localhost/payments/{p.public_id}/callback/",
        gateway_name="sandbox",
    )
    SandboxPayment.objects.filter(token=payment.token).update(
        state="paid", paid_at=timezone.now(), bank_reference="123456789012"
    )

    back = client.get(
        f"/payments/{payment.public_id}/callback/",
        {"token": payment.token, "status": "OK"},
        HTTP_HOST="localhost",
    )
    assert back.status_code == 302
    assert back["Location"] == f"/orders/{order.public_id}/"
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID
    assert not Referral.objects.exists()

    broker_down.recover()
    assert referrals_start_missed() == 0  # paid a moment ago: its start may be on its way
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - dt.timedelta(minutes=2))
    assert referrals_start_missed() == 1
    referral = Referral.objects.get(order=order)
    assert referral.wave == 1
    assert list(Offer.objects.values_list("agency_id", flat=True)) == [near.pk]
    assert Order.objects.get(pk=order.pk).awaiting_agency is True
    assert referrals_start_missed() == 0


def test_an_order_that_could_not_be_referred_is_not_tried_again(
    line, tariff, customer, settings_row
):
    """Without a location the referral is skipped once; the sweep then leaves it to the
    virtual branch instead of recording a skip every minute."""
    order = make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - dt.timedelta(minutes=2))
    assert referrals_start_missed() == 0
    assert referrals_start_missed() == 0
    assert list(ReferralEvent.objects.values_list("order_id", "kind", "data")) == [
        (order.pk, ReferralEvent.Kind.SKIPPED, {"reason": "no_location"})
    ]
    assert not Referral.objects.exists()

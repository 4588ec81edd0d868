"""The referral section of ``make bench`` measures bursts of accepts the way production
serves them (decision 064): web workers forked once, each thread on the database connection
it keeps. At a tiny scale: two processes of two threads, two rounds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from benchmarks import referrals as section
from policies.models import Order
from referrals.models import ReferralSettings
from referrals.services import referral_start
from tests.policies.fixtures_sales import make_order
from tests.referrals.conftest import place

pytestmark = pytest.mark.django_db(transaction=True)


def _orders_for(agencies, line, tariff, customer) -> list[Order]:
    """One paid order at each agency's door, offered to that agency alone."""
    orders = []
    for agency in agencies:
        order = make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
        order.latitude, order.longitude = agency.latitude, agency.longitude
        order.save()
        referral_start(order_id=order.pk)
        orders.append(order)
    return orders


def test_the_warm_pool_keeps_its_connections_from_round_to_round(
    monkeypatch, line, tariff, customer, drop_schemas_after
):
    monkeypatch.setattr(section, "PROCESSES", 2)
    monkeypatch.setattr(section, "THREADS_PER_PROCESS", 2)
    ReferralSettings.objects.create(pk=1, wave_size=1, first_radius_km=Decimal("1"), max_waves=1)
    agencies = [place(km_east=i * 20, owner=False) for i in range(4)]
    first = _orders_for(agencies, line, tariff, customer)
    second = _orders_for(agencies, line, tariff, customer)
    connection.close()

    pool = section.WarmPool()
    try:
        one = pool.round(section._pairs(first, agencies))
        # Fewer calls than threads: the others wait at the barrier and make none.
        two = pool.round(section._pairs(second[:3], agencies))
    finally:
        pool.close()

    assert one.outcomes == {"won": 4} and two.outcomes == {"won": 3}
    assert len(one.backends) == 4 and 0 not in one.backends
    # The second round ran on connections the first had opened: none was opened for it.
    assert two.backends <= one.backends
    assert len(one.cpu["won"]) == 4 and all(python > 0 for python, _db in one.cpu["won"])
    assert Order.objects.filter(agency__isnull=False).count() == 7

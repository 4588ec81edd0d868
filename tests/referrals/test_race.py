"""Two agencies can never both win (S-3.2): 100 accepts at once against the real database,
each from its own thread and connection, released together by a barrier.

The module runs on a PostgreSQL cluster of its own (``own_postgres``): 100 connections at
once are more than a shared server can spare while other programs use it."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections

from policies.models import Order
from referrals.models import Offer, Referral, ReferralEvent, ReferralSettings
from referrals.services import OfferGone, offer_accept, referral_start
from tests.conftest import OWN_POSTGRES_CONNECTIONS
from tests.referrals.conftest import place

pytestmark = pytest.mark.usefixtures("own_postgres")

CONTENDERS = 100
ROUNDS = 3


def _race(agencies, offers: dict[int, int]) -> Counter:
    """Every agency accepts its offer at the same moment; what each got."""
    barrier = threading.Barrier(len(agencies))
    results: list[str] = []
    lock = threading.Lock()

    def contend(agency) -> None:
        try:
            connections["default"].ensure_connection()
            barrier.wait(timeout=60)
            try:
                offer_accept(offer_id=offers[agency.pk], agency=agency, actor=None)
                outcome = "won"
            except OfferGone as gone:
                outcome = gone.code or "refused"
        except Exception as error:  # noqa: BLE001 - counted and shown by the caller
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=contend, args=(agency,)) for agency in agencies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return Counter(results)


@pytest.mark.django_db
def test_the_race_runs_on_a_cluster_of_its_own(own_postgres):
    """Not on the shared server, and with room for every contender at once."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('data_directory'), current_setting('max_connections')::int, "
            "count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        data_directory, max_connections, clients = cursor.fetchone()
    assert data_directory == str(own_postgres.data)
    assert max_connections == OWN_POSTGRES_CONNECTIONS >= CONTENDERS + 1
    assert clients == 1  # this test's own connection: nobody else's


@pytest.mark.django_db(transaction=True)
def test_one_hundred_concurrent_accepts_have_exactly_one_winner(
    line, tariff, customer, drop_schemas_after
):
    from tests.policies.fixtures_sales import make_order
    from tests.referrals.conftest import CENTRE

    ReferralSettings.objects.create(
        pk=1, wave_size=CONTENDERS, first_radius_km=Decimal("50"), max_waves=1
    )
    agencies = [place(km_east=0.1 + i * 0.2, owner=False) for i in range(CONTENDERS)]
    for round_ in range(ROUNDS):
        order = make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
        order.latitude, order.longitude = CENTRE
        order.save()
        referral = referral_start(order_id=order.pk)
        offers = dict(referral.offers.values_list("agency_id", "id"))
        assert len(offers) == CONTENDERS
        connection.close()

        tally = _race(agencies, offers)
        assert tally["won"] == 1, (round_, tally)
        # The others are told at once: taken, or being taken this very moment.
        assert tally["taken"] + tally["busy"] == CONTENDERS - 1, (round_, tally)
        referral.refresh_from_db()
        order.refresh_from_db()
        winners = Offer.objects.filter(referral=referral, state=Offer.State.ACCEPTED)
        assert winners.count() == 1
        assert referral.state == Referral.State.ACCEPTED
        assert order.agency_id == referral.agency_id == winners.get().agency_id
        assert Offer.objects.filter(referral=referral, state=Offer.State.WITHDRAWN).count() == (
            CONTENDERS - 1
        )
        # The events are complete: the winner's acceptance and every other offer's withdrawal.
        events = ReferralEvent.objects.filter(referral=referral)
        assert list(events.filter(kind="accepted").values_list("agency_id", flat=True)) == [
            referral.agency_id
        ]
        withdrawn = set(events.filter(kind="withdrawn").values_list("agency_id", flat=True))
        assert withdrawn == set(offers) - {referral.agency_id}


@pytest.mark.django_db(transaction=True)
def test_an_accept_while_another_holds_the_order_is_answered_at_once_and_can_be_retried(
    line, tariff, customer, drop_schemas_after
):
    """The loser never queues behind the winner; if the winner's acceptance fails, the
    offer is still there to accept."""
    import psycopg2

    from tests.policies.fixtures_sales import make_order
    from tests.referrals.conftest import CENTRE

    ReferralSettings.objects.create(pk=1, wave_size=2, first_radius_km=Decimal("50"))
    first, second = place(km_east=1), place(km_east=2)
    order = make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
    order.latitude, order.longitude = CENTRE
    order.save()
    referral = referral_start(order_id=order.pk)
    holder = psycopg2.connect(**connection.get_connection_params())
    try:
        with holder.cursor() as cursor:  # another transaction holds the referral row
            cursor.execute(
                "SELECT id FROM referrals_referral WHERE id = %s FOR UPDATE", [referral.pk]
            )
        with pytest.raises(OfferGone) as refused:
            offer_accept(offer_id=referral.offers.get(agency=second).pk, agency=second, actor=None)
        assert refused.value.code == "busy"
        holder.rollback()  # its acceptance did not go through
    finally:
        holder.close()
    offer = offer_accept(offer_id=referral.offers.get(agency=second).pk, agency=second, actor=None)
    assert offer.state == Offer.State.ACCEPTED
    order.refresh_from_db()
    assert order.agency_id == second.pk and first.pk != second.pk

"""Waves (S-3.1, S-3.3, S-3.4): the nearest eligible agencies first, wider each wave, then the
virtual branch; every step recorded; every step safe to repeat."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditLog, SmsMessage
from policies.models import AgencyLine, Order, SalesEvent
from policies.selectors_issuance import issuance_queue
from policies.signals import order_paid
from referrals.models import Offer, Referral, ReferralEvent
from referrals.services import referral_advance, referral_start, referrals_sweep
from tenants.models import Agency
from tests.referrals.conftest import place

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=10, seconds=1)


def offered(referral: Referral, wave: int | None = None) -> list[int]:
    offers = referral.offers.order_by("distance_m")
    if wave is not None:
        offers = offers.filter(wave=wave)
    return list(offers.values_list("agency_id", flat=True))


def test_first_wave_offers_the_nearest_k_within_r(settings_row, paid_order):
    a1, a2, a3 = place(km_east=1), place(km_east=2), place(km_east=3)  # K=2: a3 waits
    far = place(km_east=8)  # outside 5 km
    referral = referral_start(order_id=paid_order.pk)

    assert referral is not None and referral.wave == 1
    assert offered(referral) == [a1.pk, a2.pk]
    assert far.pk not in offered(referral) and a3.pk not in offered(referral)
    offer = referral.offers.get(agency=a1)
    assert 950 <= offer.distance_m <= 1050  # geodesic metres, what people see
    assert offer.expires_at == referral.due_at
    paid_order.refresh_from_db()
    assert paid_order.awaiting_agency and paid_order.agency is None
    assert paid_order not in issuance_queue()  # the virtual branch waits


def test_offers_are_texted_to_owners_without_customer_identity(settings_row, paid_order):
    agency = place(km_east=1)
    referral_start(order_id=paid_order.pk)
    owner = agency.memberships.get().user
    sms = SmsMessage.objects.get(kind="referral_offer", to=owner.mobile)
    assert sms.agency_id == agency.pk
    assert paid_order.line.name in sms.body
    assert "/offers/" in sms.body
    assert paid_order.customer.mobile not in sms.body
    assert paid_order.insured_last_name not in sms.body


def test_each_wave_goes_wider_then_falls_to_the_virtual_branch(settings_row, paid_order):
    near = [place(km_east=1), place(km_east=2), place(km_east=3)]
    mid = place(km_east=9)  # within 10 km (wave 2)
    outer = place(km_east=18)  # within 20 km (wave 3)
    now = timezone.now()
    referral = referral_start(order_id=paid_order.pk, now=now)
    assert offered(referral, 1) == [near[0].pk, near[1].pk]

    assert referral_advance(referral_id=referral.pk, now=now + LATER)
    referral.refresh_from_db()
    assert referral.wave == 2
    assert set(offered(referral, 2)) == {near[2].pk, mid.pk}
    assert set(referral.offers.filter(wave=1).values_list("state", flat=True)) == {"expired"}

    assert referral_advance(referral_id=referral.pk, now=now + 2 * LATER)
    referral.refresh_from_db()
    assert offered(referral, 3) == [outer.pk]

    assert referral_advance(referral_id=referral.pk, now=now + 3 * LATER)
    referral.refresh_from_db()
    assert referral.state == Referral.State.FALLEN and referral.due_at is None
    paid_order.refresh_from_db()
    assert not paid_order.awaiting_agency and paid_order.agency is None
    assert paid_order in issuance_queue()
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds.count("wave") == 3 and kinds.count("offered") == 5
    assert kinds.count("expired") == 5 and kinds[-1] == "fallen"
    assert SalesEvent.objects.filter(order=paid_order, event="referral_fallen").exists()
    moves = AuditLog.objects.filter(action="referral.advanced", target_id=str(referral.pk))
    assert [log.changes["wave"] for log in moves.order_by("id")] == [[1, 2], [2, 3], [3, 3]]
    assert moves.order_by("id").last().changes["state"] == ["open", "fallen"]


def test_a_wave_is_not_moved_before_its_time(settings_row, paid_order):
    place(km_east=1)
    now = timezone.now()
    referral = referral_start(order_id=paid_order.pk, now=now)
    assert not referral_advance(referral_id=referral.pk, now=now + dt.timedelta(minutes=9))
    assert referrals_sweep(now=now + dt.timedelta(minutes=9)) == 0
    referral.refresh_from_db()
    assert referral.wave == 1


def test_empty_waves_are_skipped_at_once(settings_row, paid_order):
    outer = place(km_east=15)  # only wave 3 (20 km) reaches it
    referral = referral_start(order_id=paid_order.pk)
    assert referral.wave == 3
    assert offered(referral) == [outer.pk]


def test_nobody_anywhere_goes_straight_to_the_virtual_branch(settings_row, paid_order):
    referral = referral_start(order_id=paid_order.pk)
    assert referral.state == Referral.State.FALLEN
    paid_order.refresh_from_db()
    assert paid_order in issuance_queue()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Agency.Status.SUSPENDED},
        {"status": Agency.Status.PENDING},
        {"accepts_referrals": False},
    ],
)
def test_ineligible_agencies_are_never_offered(settings_row, paid_order, fields):
    place(km_east=1, **fields)
    eligible = place(km_east=2)
    referral = referral_start(order_id=paid_order.pk)
    assert offered(referral) == [eligible.pk]


@pytest.mark.parametrize("allowed,offered_", [(False, True), (True, False)])
def test_agencies_that_may_not_or_do_not_sell_the_line_are_skipped(
    settings_row, paid_order, allowed, offered_
):
    restricted = place(km_east=1)
    AgencyLine.objects.create(
        agency=restricted, line=paid_order.line, allowed=allowed, offered=offered_
    )
    eligible = place(km_east=2)
    referral = referral_start(order_id=paid_order.pk)
    assert offered(referral) == [eligible.pk]


def test_starting_twice_or_sweeping_twice_changes_nothing(settings_row, paid_order):
    place(km_east=1), place(km_east=2), place(km_east=3)
    now = timezone.now()
    first = referral_start(order_id=paid_order.pk, now=now)
    again = referral_start(order_id=paid_order.pk, now=now)
    assert first.pk == again.pk and Referral.objects.count() == 1
    assert Offer.objects.count() == 2
    assert referrals_sweep(now=now + LATER) == 1
    assert referrals_sweep(now=now + LATER) == 0
    assert Offer.objects.count() == 3
    assert ReferralEvent.objects.filter(kind="wave").count() == 2


def test_the_paid_signal_starts_the_referral(
    settings_row, paid_order, django_capture_on_commit_callbacks
):
    agency = place(km_east=1)
    order_paid.send(sender=Order, order=paid_order)
    referral = Referral.objects.get(order=paid_order)
    assert offered(referral) == [agency.pk]


def test_agency_orders_are_not_referred(settings_row, paid_order, agency):
    paid_order.channel, paid_order.agency = Order.Channel.AGENCY, agency
    paid_order.save()
    place(km_east=1)
    assert referral_start(order_id=paid_order.pk) is None
    assert not Referral.objects.exists()


def test_without_a_map_point_the_delivery_city_is_used(settings_row, paid_order):
    paid_order.latitude = paid_order.longitude = None
    paid_order.delivery_city = "اصفهان"
    paid_order.save()
    isfahan = place(latitude=Decimal("32.66"), longitude=Decimal("51.67"))
    place(km_east=1)  # Tehran: too far
    referral = referral_start(order_id=paid_order.pk)
    assert referral.location_source == "city"
    assert offered(referral) == [isfahan.pk]


def test_without_any_location_the_virtual_branch_takes_it(settings_row, paid_order):
    paid_order.latitude = paid_order.longitude = None
    paid_order.delivery_city = paid_order.delivery_province = ""
    paid_order.save()
    place(km_east=1)
    assert referral_start(order_id=paid_order.pk) is None
    assert ReferralEvent.objects.get(order=paid_order).data == {"reason": "no_location"}
    paid_order.refresh_from_db()
    assert paid_order in issuance_queue()


def test_switched_off_referrals_leave_the_order_to_the_virtual_branch(settings_row, paid_order):
    settings_row.enabled = False
    settings_row.save()
    place(km_east=1)
    assert referral_start(order_id=paid_order.pk) is None
    paid_order.refresh_from_db()
    assert not paid_order.awaiting_agency


def test_settings_are_kept_per_referral(settings_row, paid_order):
    place(km_east=1), place(km_east=2), place(km_east=3)
    referral = referral_start(order_id=paid_order.pk)
    settings_row.wave_size = 10
    settings_row.save()
    now = timezone.now()
    referral_advance(referral_id=referral.pk, now=now + LATER)
    referral.refresh_from_db()
    assert referral.plan["wave_size"] == 2
    assert len(offered(referral, 2)) == 1  # K stayed 2; only one agency was left


def test_wave_radius_grows_by_the_factor(settings_row):
    assert settings_row.radius_km(1) == Decimal("5")
    assert settings_row.radius_km(3) == Decimal("20")

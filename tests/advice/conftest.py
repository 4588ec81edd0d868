"""Agencies placed around Tehran's Azadi tower (rows only, as referrals' tests do), the
referral settings the waves copy (K=2, 5 km doubling, 3 waves) and a customer's request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advice.services import advice_answer, advice_request_create
from referrals.models import ReferralSettings
from tests.factories import create_user
from tests.referrals.conftest import CENTRE, place

MAIN = "localhost"
PANEL = "panel.localhost"
__all__ = ["CENTRE", "MAIN", "PANEL", "owner_of", "place"]


@pytest.fixture
def settings_row(db):
    """K=2 agencies per wave, 5 km doubling, 3 waves (as referrals' tests)."""
    return ReferralSettings.objects.create(
        pk=1,
        wave_size=2,
        first_radius_km=Decimal("5"),
        radius_growth=Decimal("2"),
        offer_minutes=10,
        max_waves=3,
    )


@pytest.fixture
def buyer(db):
    return create_user(first_name="سارا", last_name="کریمی", mobile="09127776655")


@pytest.fixture
def near(settings_row):
    """Two agencies within the first wave's 5 km, each with an owner to text."""
    return (
        place(km_east=1, name="نمایندگی نزدیک یک", phone="021-11112222", address="خیابان آزادی"),
        place(km_east=2, name="نمایندگی نزدیک دو", phone="021-33334444"),
    )


@pytest.fixture
def posted(near, buyer, line):
    """The buyer's request at the centre, offered to both near agencies."""
    return advice_request_create(
        customer=buyer,
        line_id=line.pk,
        note="برای خودروی پراید مشاوره میخواهم",
        latitude=CENTRE[0],
        longitude=CENTRE[1],
    )


@pytest.fixture
def answered(posted, near):
    """Both near agencies answered: the first with a quote, the second without."""
    first, second = near
    advice_answer(
        request_id=posted.pk,
        agency=first,
        actor=first.memberships.get().user,
        message="پیشنهاد ما بیمه شخص ثالث با پوشش کامل است",
        premium=12_000_000,
    )
    advice_answer(
        request_id=posted.pk,
        agency=second,
        actor=second.memberships.get().user,
        message="با ما تماس بگیرید",
    )
    posted.refresh_from_db()
    return posted


def owner_of(agency):
    return agency.memberships.get().user

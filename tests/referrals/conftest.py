"""Agencies placed on the map (rows only: referrals never enter their schemas) and paid
main-site orders waiting to be referred."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from accounts.models import AgencyMembership
from policies.models import Order
from referrals.models import ReferralSettings
from tenants.models import Agency
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

_codes = itertools.count(5000)

# Tehran, Azadi tower; points east of it at known distances (1° of longitude ≈ 90.3 km here).
CENTRE = (Decimal("35.699700"), Decimal("51.338000"))


def place(
    *,
    km_east: float = 0.0,
    km_north: float = 0.0,
    name: str | None = None,
    owner: bool = True,
    **fields,
) -> Agency:
    """An active agency row ``km_east``/``km_north`` of the centre, with an owner to text."""
    code = next(_codes)
    lat = CENTRE[0] + Decimal(str(round(km_north / 111.195, 6)))
    lon = CENTRE[1] + Decimal(str(round(km_east / 90.30, 6)))
    agency = Agency.objects.create(
        code=code,
        schema_name=f"ar{code}",
        name=name or f"نمایندگی {code}",
        status=fields.pop("status", Agency.Status.ACTIVE),
        latitude=fields.pop("latitude", lat),
        longitude=fields.pop("longitude", lon),
        phone=fields.pop("phone", f"021-{code}"),
        **fields,
    )
    if owner:
        AgencyMembership.objects.create(
            agency=agency, user=create_user(), role=AgencyMembership.Role.OWNER
        )
    return agency


@pytest.fixture
def settings_row(db):
    """K=2 agencies per wave, 5 km doubling, 10 minutes, 3 waves."""
    return ReferralSettings.objects.create(
        pk=1,
        wave_size=2,
        first_radius_km=Decimal("5"),
        radius_growth=Decimal("2"),
        offer_minutes=10,
        max_waves=3,
    )


@pytest.fixture
def paid_order(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer, state=Order.State.PAID)
    order.latitude, order.longitude = CENTRE
    order.delivery_city = "تهران"
    order.save()
    return order

"""Fixtures of the CRM tests: agencies with their schemas, their members, and policies sold
in the public ledger."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AgencyMembership, User
from policies.models import Line, Order, Policy, TariffVersion
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

_sequence = itertools.count(1)


@contextmanager
def inside(agency) -> Iterator[None]:
    """The connection in ``agency``'s schema for the block, back in public afterwards."""
    connection.set_tenant(agency)
    try:
        yield
    finally:
        connection.set_schema_to_public()


def owner_of(agency) -> User:
    return agency.memberships.get(role=AgencyMembership.Role.OWNER).user


@pytest.fixture
def owner(agency) -> User:
    return owner_of(agency)


@pytest.fixture
def staff_member(agency) -> AgencyMembership:
    user = create_user(first_name="سارا", last_name="کارمند")
    return AgencyMembership.objects.create(
        user=user, agency=agency, role=AgencyMembership.Role.STAFF
    )


@pytest.fixture
def sale_line(db) -> tuple[Line, TariffVersion]:
    line = Line.objects.create(code="crm_motor", number_code=97, name="بدنه خودرو")
    tariff = TariffVersion.objects.create(line=line, number=1, status=TariffVersion.Status.ACTIVE)
    return line, tariff


def sell(
    agency,
    line_and_tariff,
    *,
    buyer: User | None = None,
    national_code: str = "0499370899",
    mobile: str | None = None,
    first_name: str = "علی",
    last_name: str = "رضایی",
    premium: str = "12345000",
    issued_at: dt.datetime | None = None,
    address: str = "",
) -> Policy:
    """A policy of ``agency`` in the ledger, as issuance leaves it (no signal sent)."""
    line, tariff = line_and_tariff
    buyer = buyer or create_user()
    order = make_order(
        line=line, tariff=tariff, customer=buyer, agency=agency, state=Order.State.ISSUED
    )
    order.insured_first_name = first_name
    order.insured_last_name = last_name
    order.insured_national_code = national_code
    order.insured_mobile = mobile if mobile is not None else buyer.mobile
    order.delivery_address = address
    order.delivery_city = "تهران" if address else ""
    order.delivery_postal_code = "1234567890" if address else ""
    order.details = {"plate_number": "22ج456-11"}
    order.save()
    number = next(_sequence)
    start = dt.date(2026, 3, 21)
    policy = Policy.objects.create(
        order=order,
        number=f"1405-97-{number:06d}",
        line=line,
        jalali_year=1405,
        sequence=number,
        agency=agency,
        customer=buyer,
        start_date=start,
        end_date=start + dt.timedelta(days=365),
        premium=Decimal(premium),
        tariff_version=tariff,
        verification_code=f"V{number:09d}",
    )
    if issued_at is not None:
        Policy.objects.filter(pk=policy.pk).update(issued_at=issued_at)
        policy.refresh_from_db()
    return policy


def crm_state() -> dict[str, list[tuple]]:
    """Every CRM row of the current schema (ids and all), to compare before and after."""
    from django.apps import apps

    state = {}
    for model in apps.get_app_config("crm").get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        state[model._meta.label] = sorted(
            tuple(str(value) for value in row)
            for row in model.objects.order_by().values_list(*fields)
        )
    return state


def now() -> dt.datetime:
    return timezone.now()

"""A minimal catalog and orders built with the ORM, for the state machine and payment tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from policies.models import DocumentRequirement, Line, Order, Quote, TariffVersion
from tests.factories import create_user


@pytest.fixture
def line(db):
    line = Line.objects.create(code="test_line", number_code=99, name="بیمه آزمایشی")
    DocumentRequirement.objects.create(line=line, code="card", label="کارت", required=True)
    return line


@pytest.fixture
def tariff(line):
    return TariffVersion.objects.create(line=line, number=1, status=TariffVersion.Status.ACTIVE)


@pytest.fixture
def customer(db):
    return create_user(first_name="علی", last_name="رضایی", national_code="0499370899")


def make_order(*, line, tariff, customer, agency=None, state=Order.State.DRAFT, premium="12345000"):
    quote = Quote.objects.create(
        line=line,
        tariff_version=tariff,
        answers={},
        premium=Decimal(premium),
        breakdown=[{"code": "base", "label": "پایه", "amount": premium}],
        term_days=365,
        agency=agency,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return Order.objects.create(
        channel=Order.Channel.AGENCY if agency else Order.Channel.MAIN,
        agency=agency,
        customer=customer,
        quote=quote,
        line=line,
        tariff_version=tariff,
        premium=quote.premium,
        breakdown=quote.breakdown,
        term_days=365,
        state=state,
        insured_first_name="علی",
        insured_last_name="رضایی",
        insured_national_code="0499370899",
        insured_birth_date=dt.date(1990, 1, 1),
        insured_mobile=customer.mobile,
        delivery_method=Order.Delivery.IN_PERSON,
        delivery_date=dt.date.today() + dt.timedelta(days=2),
        delivery_slot=Order.Slot.MORNING,
    )


@pytest.fixture
def awaiting_order(line, tariff, customer):
    return make_order(
        line=line, tariff=tariff, customer=customer, state=Order.State.AWAITING_PAYMENT
    )

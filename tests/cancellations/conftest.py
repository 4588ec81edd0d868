"""Fixtures of cancellations: a policy sold 40 days ago (paid and issued then), with its
settlement sale item, and the short-rate tables of the data migration."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from core.jalali import tehran_today
from policies.claim_checks import claim_check_register, claim_check_unregister
from settlement.services.batches import settlement_batches_build
from tests.factories import create_user
from tests.policies.fixtures_sales import customer, line, tariff  # noqa: F401 - shared fixtures
from tests.settlement.sales import sale, tehran_time

DAYS_AGO = 40


def ensure_tables() -> None:
    """The tables the data migration adds (a transactional test may have emptied them)."""
    from cancellations.models import ShortRateTable

    if not ShortRateTable.objects.exists():
        importlib.import_module("cancellations.migrations.0002_short_rate_tables").add(apps, None)


@pytest.fixture(autouse=True)
def tables(db):
    ensure_tables()


@pytest.fixture
def sold_day() -> dt.date:
    return tehran_today() - dt.timedelta(days=DAYS_AGO)


@pytest.fixture
def sell(line, tariff, customer, sold_day):  # noqa: F811
    def make(*, agency=None, premium="12000000", who=None):
        payment = sale(
            line=line,
            tariff=tariff,
            customer=who or customer,
            agency=agency,
            premium=premium,
            paid_at=tehran_time(sold_day, 10),
        )
        return payment.order.policy

    return make


@pytest.fixture
def policy(sell, agency):
    """An agency's policy of 12,000,000 rials, issued 40 days ago, in force for 365 days."""
    return sell(agency=agency)


@pytest.fixture
def settled(policy, sold_day):
    settlement_batches_build(day=sold_day)
    return policy


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator")


@pytest.fixture
def stranger(db):
    return create_user(first_name="مریم", last_name="احمدی")


@pytest.fixture
def claims():
    """A claims app's check, registered for a test: policies in ``with_claim`` have a claim."""
    with_claim: set[int] = set()

    def check(policy) -> bool:
        return policy.pk in with_claim

    claim_check_register(check)
    yield with_claim
    claim_check_unregister(check)

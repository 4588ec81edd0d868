"""Fixtures of the sale: the real catalog loaded from policies/tariffs/."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.services.catalog import catalog_load

PRICING_DAY = dt.date(2026, 11, 23)  # 1405/09/02


@pytest.fixture
def pricing_day(monkeypatch):
    """Quotes are priced as on 1405/09/02, so a vehicle's age — and with it the premiums the
    tests expect — does not change when the Jalali year does."""
    monkeypatch.setattr("policies.pricing.tehran_today", lambda: PRICING_DAY)
    return PRICING_DAY


@pytest.fixture
def catalog(db, pricing_day):
    catalog_load()

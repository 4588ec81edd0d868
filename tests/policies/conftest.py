"""Fixtures of the sale: the real catalog loaded from policies/tariffs/."""

from __future__ import annotations

import pytest

from policies.services.catalog import catalog_load


@pytest.fixture
def catalog(db):
    catalog_load()

"""Referral settings typed with Persian digits and the Persian decimal sign (decision 020)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from referrals.models import ReferralSettings
from tests.factories import create_user
from tests.referrals.test_ops import OPS, VALID

pytestmark = pytest.mark.django_db


def test_radius_and_growth_with_the_persian_decimal_sign(client, settings_row):
    client.force_login(create_user(insurer_role="branch_manager"))
    response = client.post(
        "/referrals/",
        {**VALID, "first_radius_km": "۷٫۵", "radius_growth": "\u200f١٫٢٥"},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    config = ReferralSettings.objects.get()
    assert (config.first_radius_km, config.radius_growth) == (Decimal("7.5"), Decimal("1.25"))

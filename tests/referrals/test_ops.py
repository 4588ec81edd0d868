"""The operator's side: K, R, growth, T, N and on/off are settings an operator changes
(audited, used by later referrals), and each order's referral can be read in full."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from core.models import AuditLog
from referrals.models import ReferralSettings
from referrals.services import referral_start
from tests.factories import create_user
from tests.referrals.conftest import place

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"
VALID = {
    "enabled": "on",
    "wave_size": "4",
    "first_radius_km": "7.5",
    "radius_growth": "1.5",
    "offer_minutes": "15",
    "max_waves": "5",
}


def test_a_branch_manager_changes_the_settings_and_it_is_audited(client, settings_row):
    manager = create_user(insurer_role="branch_manager")
    client.force_login(manager)
    response = client.post("/referrals/", VALID, HTTP_HOST=OPS)
    assert response.status_code == 302
    config = ReferralSettings.objects.get()
    assert (config.wave_size, config.first_radius_km, config.radius_growth) == (
        4,
        Decimal("7.5"),
        Decimal("1.5"),
    )
    assert (config.offer_minutes, config.max_waves, config.updated_by) == (15, 5, manager)
    log = AuditLog.objects.get(action="referral_settings.updated")
    assert log.actor == manager and log.changes["wave_size"] == [2, 4]


@pytest.mark.parametrize(
    "field,value",
    [("wave_size", "0"), ("first_radius_km", "-1"), ("offer_minutes", "abc"), ("max_waves", "99")],
)
def test_bad_settings_are_refused_in_persian_and_nothing_changes(
    client, settings_row, field, value
):
    client.force_login(create_user(insurer_role="admin"))
    response = client.post("/referrals/", {**VALID, field: value}, HTTP_HOST=OPS)
    assert response.status_code == 400
    errors = re.findall(r'invalid-feedback d-block">([^<]+)<', response.content.decode())
    assert errors and all(re.search("[\u0600-\u06ff]", error) for error in errors), errors
    assert ReferralSettings.objects.get().wave_size == 2
    assert not AuditLog.objects.filter(action="referral_settings.updated").exists()


def test_an_operator_sees_but_cannot_change(client, settings_row):
    client.force_login(create_user(insurer_role="operator"))
    page = client.get("/referrals/", HTTP_HOST=OPS)
    assert page.status_code == 200 and 'id="referral-settings"' not in page.content.decode()
    assert client.post("/referrals/", VALID, HTTP_HOST=OPS).status_code == 404
    assert ReferralSettings.objects.get().wave_size == 2


def test_agency_staff_and_customers_see_nothing(client, settings_row, agency):
    client.force_login(agency.memberships.get().user)
    assert client.get("/referrals/", HTTP_HOST=OPS).status_code == 404


def test_the_referral_page_shows_offers_and_the_record(client, settings_row, paid_order):
    near = place(km_east=1, name="نمایندگی نزدیک")
    referral_start(order_id=paid_order.pk)
    client.force_login(create_user(insurer_role="operator"))
    home = client.get("/referrals/", HTTP_HOST=OPS).content.decode()
    assert f"/referrals/{paid_order.public_id}/" in home
    detail = client.get(f"/referrals/{paid_order.public_id}/", HTTP_HOST=OPS).content.decode()
    assert near.name in detail
    assert "موج" in detail

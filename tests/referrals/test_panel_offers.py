"""Offers in the agency panel (S-3.4): shown without reloading (an HTMX-polled fragment),
with distance, line and premium and no customer identity until accepted."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policies.models import Order
from referrals.models import Offer
from referrals.services import referral_start
from tests.referrals.conftest import place

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


@pytest.fixture
def two_offered(settings_row, paid_order, agency):
    """The order is offered to agency 685 and to a second agency nearby."""
    paid_order.latitude, paid_order.longitude = Decimal("35.700000"), Decimal("51.410000")
    paid_order.save()
    rival = place(latitude=Decimal("35.701000"), longitude=Decimal("51.412000"))
    referral = referral_start(order_id=paid_order.pk)
    assert set(referral.offers.values_list("agency_id", flat=True)) == {agency.pk, rival.pk}
    return referral, rival


def _login(client, agency):
    client.force_login(agency.memberships.get().user)


def test_a_waiting_offer_shows_line_distance_premium_but_not_the_customer(
    client, two_offered, agency, paid_order
):
    referral, _rival = two_offered
    _login(client, agency)
    page = client.get("/offers/", HTTP_HOST=PANEL).content.decode()
    fragment = client.get("/offers/waiting/", HTTP_HOST=PANEL)
    assert fragment["Cache-Control"] == "no-store"
    for html in (page, fragment.content.decode()):
        offer = referral.offers.get(agency=agency)
        assert f'id="offer-{offer.pk}"' in html
        assert paid_order.line.name in html
        assert "۱۲,۳۴۵,۰۰۰" in html or "۱۲٬۳۴۵٬۰۰۰" in html  # the premium
        assert "کیلومتر" in html
        assert paid_order.insured_last_name not in html
        assert paid_order.customer.mobile not in html
        assert paid_order.insured_national_code not in html
    assert 'hx-get="/offers/waiting/"' in page and 'hx-trigger="every' in page


def test_accepting_in_the_panel_opens_the_order_with_the_customer(
    client, two_offered, agency, paid_order
):
    referral, rival = two_offered
    _login(client, agency)
    offer = referral.offers.get(agency=agency)
    response = client.post(f"/offers/{offer.pk}/accept/", HTTP_HOST=PANEL)
    assert response.status_code == 302
    assert response["Location"] == f"/sales/{paid_order.public_id}/"
    detail = client.get(response["Location"], HTTP_HOST=PANEL).content.decode()
    assert paid_order.insured_last_name in detail
    # Gone from the rival's panel, and its late click is refused in Persian.
    client.force_login(rival.memberships.get().user)
    assert (
        f"offer-{referral.offers.get(agency=rival).pk}"
        not in client.get("/offers/waiting/", HTTP_HOST=PANEL).content.decode()
    )
    late = client.post(
        f"/offers/{referral.offers.get(agency=rival).pk}/accept/", HTTP_HOST=PANEL, follow=True
    )
    assert "نمایندگی دیگری" in late.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.agency == agency


def test_declining_in_the_panel(client, two_offered, agency):
    referral, _rival = two_offered
    _login(client, agency)
    offer = referral.offers.get(agency=agency)
    assert client.post(f"/offers/{offer.pk}/decline/", HTTP_HOST=PANEL).status_code == 302
    offer.refresh_from_db()
    assert offer.state == Offer.State.DECLINED
    assert (
        f"offer-{offer.pk}" not in client.get("/offers/waiting/", HTTP_HOST=PANEL).content.decode()
    )


def test_another_agency_gets_404_for_an_offer_it_was_not_made(
    client, two_offered, agency, other_agency, paid_order
):
    referral, _rival = two_offered
    offer = referral.offers.get(agency=agency)
    _login(client, other_agency)
    assert client.get(f"/offers/{offer.pk}/", HTTP_HOST=PANEL).status_code == 404
    assert client.post(f"/offers/{offer.pk}/accept/", HTTP_HOST=PANEL).status_code == 404
    assert client.post(f"/offers/{offer.pk}/decline/", HTTP_HOST=PANEL).status_code == 404
    offer.refresh_from_db()
    assert offer.state == Offer.State.WAITING
    assert Order.objects.get(pk=paid_order.pk).agency is None


def test_accept_needs_post(client, two_offered, agency):
    referral, _rival = two_offered
    _login(client, agency)
    offer = referral.offers.get(agency=agency)
    assert client.get(f"/offers/{offer.pk}/accept/", HTTP_HOST=PANEL).status_code == 405


def test_the_customer_sees_who_serves_the_order(client, two_offered, agency, paid_order):
    referral, _rival = two_offered
    client.force_login(paid_order.customer)
    page = client.get(f"/orders/{paid_order.public_id}/", HTTP_HOST="localhost").content.decode()
    assert 'id="order-being-offered"' in page
    from referrals.services import offer_accept

    offer_accept(offer_id=referral.offers.get(agency=agency).pk, agency=agency, actor=None)
    page = client.get(f"/orders/{paid_order.public_id}/", HTTP_HOST="localhost").content.decode()
    assert 'id="order-agency"' in page and agency.name in page


def test_the_menu_badge_counts_waiting_offers(client, two_offered, agency, other_agency):
    _login(client, agency)
    assert 'data-count="1"' in client.get("/offers/badge/", HTTP_HOST=PANEL).content.decode()
    assert 'hx-get="/offers/badge/"' in client.get("/", HTTP_HOST=PANEL).content.decode()
    _login(client, other_agency)
    assert "data-count" not in client.get("/offers/badge/", HTTP_HOST=PANEL).content.decode()

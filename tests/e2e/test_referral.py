"""A main-site purchase reaches the nearest agencies' panels without a reload; the first to
accept gets it and it vanishes from the other panel (issue 4, points 5 and 8)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from core.digits import to_latin_digits
from core.models import SmsMessage
from policies.models import Order
from policies.services.catalog import catalog_load
from referrals.models import Offer
from tests.e2e.test_buy import MOBILE, _buy_third_party
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    return live_port


def _panel_tab(browser, user, port: int, path: str = "/offers/"):
    """A browser logged in to the panel as ``user`` (a session made the way Django makes
    one; the SMS login itself is covered by test_signup)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fa-IR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": "panel.localhost",
                "path": "/",
            }
        ]
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"http://panel.localhost:{port}{path}")
    if path == "/offers/":
        tab.wait_for_selector("#no-offers")
    return tab


def test_a_main_site_order_is_offered_accepted_and_withdrawn_from_the_other_panel(
    browser, page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    first = create_agency(
        code=685,
        name="نمایندگی خلیلی",
        latitude="35.700000",
        longitude="51.400000",
        phone="021-88001234",
    )
    second = create_agency(
        code=686, name="نمایندگی ونک", latitude="35.720000", longitude="51.420000"
    )
    panel_first = _panel_tab(browser, first.memberships.get().user, site_port)
    panel_second = _panel_tab(browser, second.memberships.get().user, site_port)

    _buy_third_party(page, f"http://localhost:{site_port}", tmp_path, pick_location=True)
    order = Order.objects.get(customer__mobile=MOBILE)
    assert order.latitude is not None and abs(order.latitude - Decimal("35.69")) < 1

    # Both panels show the offer by polling: no reload.
    for tab in (panel_first, panel_second):
        card = tab.wait_for_selector(".offer-card")
        text = card.inner_text()
        assert "شخص ثالث" in text
        assert "کریمی" not in text and "سارا" not in text  # no identity before acceptance
        tab.wait_for_function(
            "() => document.querySelector('.offer-countdown').textContent.length === 5"
        )
        assert re.fullmatch(r"[۰-۹]{2}:[۰-۹]{2}", tab.inner_text(".offer-countdown"))
    offer_first = Offer.objects.get(agency=first)

    panel_first.click(f"#accept-{offer_first.pk}")
    panel_first.wait_for_url(re.compile(rf"/sales/{order.public_id}/$"))
    assert "کریمی" in panel_first.inner_text("main")

    panel_second.wait_for_selector(".offer-card", state="detached")
    assert panel_second.is_visible("#no-offers")
    panel_second.reload()
    assert "پذیرفته‌شده توسط نمایندگی دیگر" in panel_second.inner_text("#offers-history")

    order.refresh_from_db()
    assert order.agency_id == first.pk
    sms = SmsMessage.objects.get(kind="referral_accepted")
    assert sms.to == MOBILE and "نمایندگی خلیلی" in sms.body
    assert to_latin_digits(sms.body).count("021-88001234") == 1
    panel_first.screenshot(path=str(tmp_path / "accepted.png"), full_page=True)

    # The dashboard counts the accepted offer and draws its charts with Chart.js.
    panel_first.goto(f"http://panel.localhost:{site_port}/")
    assert panel_first.get_attribute("#card-offers_accepted", "data-value") == "1"
    for chart in ("sales_per_day", "offers", "sms_per_day"):
        panel_first.wait_for_function(
            f"() => document.getElementById('chart-{chart}')._chart !== undefined"
        )
    panel_first.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

"""The panel's settings and site content in a real browser: the location is picked on the
Leaflet map, and what the agency writes appears on its site, cleaned."""

from __future__ import annotations

import pytest

from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    return live_port


def test_an_owner_moves_the_agency_on_the_map_and_writes_the_about_text(
    browser, page, site_port, drop_schemas_after, tmp_path
):
    agency = create_agency(
        code=685, name="نمایندگی خلیلی", latitude="35.700000", longitude="51.400000"
    )
    panel = _panel_tab(browser, agency.memberships.get().user, site_port, path="/settings/")
    panel.wait_for_selector("#agency-map.leaflet-container")
    before = panel.input_value("input[name=latitude]")
    box = panel.locator("#agency-map").bounding_box()
    panel.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.2)
    after = panel.input_value("input[name=latitude]")
    assert after != before and float(after) > float(before)  # a point to the north
    panel.click("#settings-save")
    panel.wait_for_selector(".alert-success")
    agency.refresh_from_db()
    assert f"{agency.latitude:.6f}" == after

    panel.goto(f"http://panel.localhost:{site_port}/content/")
    panel.fill(
        "textarea[name=about_text]",
        '<p>از ۱۳۸۰ در کنار شما</p><img src=x onerror="document.title=1">',
    )
    panel.click("#site-settings-save")
    panel.wait_for_selector(".alert-success")
    site = page
    site.goto(f"http://ar685.localhost:{site_port}/")
    assert "از ۱۳۸۰ در کنار شما" in site.inner_text("#site-about")
    assert site.title() != "1" and site.locator("#site-about img").count() == 0
    panel.screenshot(path=str(tmp_path / "content.png"), full_page=True)


def test_coordinates_typed_with_persian_digits_and_decimal_sign_are_saved(
    browser, site_port, drop_schemas_after
):
    """The bug this guards: a number box emptied "۳۵٫۷۵" and the form said "required"."""
    agency = create_agency(
        code=685, name="نمایندگی خلیلی", latitude="35.700000", longitude="51.400000"
    )
    panel = _panel_tab(browser, agency.memberships.get().user, site_port, path="/settings/")
    panel.wait_for_selector("#agency-map.leaflet-container")
    panel.fill("input[name=latitude]", "۳۵٫۷۵۱۲۳۴")
    panel.fill("input[name=longitude]", "۵۱٫۴۵۰۰۰۱")
    panel.click("#settings-save")
    panel.wait_for_selector(".alert-success")
    agency.refresh_from_db()
    assert (f"{agency.latitude:.6f}", f"{agency.longitude:.6f}") == ("35.751234", "51.450001")

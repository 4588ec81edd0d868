"""Site and line control in a real browser: a branch manager files, an operator approves on
the ops host, and the agency's site shows the not-active page at once."""

from __future__ import annotations

import re

import pytest

from tenants.models import Agency
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ops_tab(browser, user, port: int):
    tab = _panel_tab(browser, user, port, path="/")
    tab.context.add_cookies(
        [{**cookie, "domain": "ops.localhost"} for cookie in tab.context.cookies()]
    )
    tab.goto(f"http://ops.localhost:{port}/control/")
    return tab


def test_a_site_is_deactivated_on_request_and_shows_the_not_active_page(
    browser, page, live_port, drop_schemas_after, tmp_path
):
    create_agency(code=685, name="نمایندگی خلیلی")
    manager = create_user(insurer_role="branch_manager")
    operator = create_user(insurer_role="operator")
    page.goto(f"http://ar685.localhost:{live_port}/")
    assert page.is_visible("#agency-name")

    asking = _ops_tab(browser, manager, live_port)
    asking.fill("input[name=agency]", "۶۸۵")
    asking.select_option("select[name=kind]", "site_off")
    asking.fill("textarea[name=reason]", "بدهی معوق به بیمه‌گر")
    asking.click("#control-submit")
    asking.wait_for_selector(".alert-success")
    assert asking.get_attribute("#control-requests tbody tr", "data-state") == "pending"
    assert asking.locator("[id^=approve-]").count() == 0  # a branch manager does not decide

    deciding = _ops_tab(browser, operator, live_port)
    deciding.click("[id^=approve-]")
    deciding.wait_for_selector(".alert-success")
    assert deciding.get_attribute("#control-requests tbody tr", "data-state") == "approved"
    assert Agency.objects.get(code=685).status == "suspended"

    response = page.goto(f"http://ar685.localhost:{live_port}/")
    assert response.status == 410
    assert re.search("فعال نیست", page.inner_text("body"))
    deciding.screenshot(path=str(tmp_path / "control.png"), full_page=True)

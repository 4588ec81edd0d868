"""The main pages of every host work under the Content-Security-Policy: their scripts, maps,
charts and the API documentation run, and no page reports a violation (the ``csp_violations``
fixture in conftest watches every page of every browser test)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from policies.models import Line, Order
from policies.services.catalog import catalog_load
from tests.factories import create_agency, create_user
from tests.policies.fixtures_sales import make_order
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    return live_port


def _tab_as(browser, user, hosts: list[str]):
    """A browser logged in as ``user`` on ``hosts`` (a session made the way Django makes one)."""
    context = browser.new_context(locale="fa-IR")
    if user is not None:
        client = Client()
        client.force_login(user)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": key, "domain": host, "path": "/"}
                for host in hosts
            ]
        )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    return tab


def _open(tab, url: str, ready: str | None = None) -> None:
    response = tab.goto(url)
    assert response is not None and response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, url
    tab.wait_for_load_state("load")
    if ready:
        tab.wait_for_selector(ready, state="attached")


def _charts_drawn(tab) -> None:
    tab.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((canvas) => canvas._chart !== undefined)"
    )
    assert tab.locator("canvas[data-chart]").count() >= 1


def test_the_main_pages_run_under_the_policy(
    browser, site_port, drop_schemas_after, csp_violations
):
    catalog_load()
    agency = create_agency(code=685, name="نمایندگی خلیلی")
    owner = agency.memberships.get().user
    customer = create_user(first_name="سارا", last_name="کریمی", national_code="0499370899")
    insurer = create_user(insurer_role="admin")
    line = Line.objects.get(code="third_party")
    order = make_order(
        line=line,
        tariff=line.tariff_versions.get(status="active"),
        customer=customer,
        state=Order.State.PAID,
    )
    main = f"http://localhost:{site_port}"
    agency_site = f"http://ar685.localhost:{site_port}"
    panel = f"http://panel.localhost:{site_port}"
    ops = f"http://ops.localhost:{site_port}"

    visitor = _tab_as(browser, None, [])
    _open(visitor, f"{main}/", "#nav-insurance")
    _open(visitor, f"{agency_site}/", "#agency-name")
    _open(visitor, f"{agency_site}/insurance/", "a[data-line=third_party]")
    _open(visitor, f"{agency_site}/insurance/third_party/", "#quote-form")
    _open(visitor, f"{agency_site}/insurance/motor_hull/", "#quote-form")
    visitor.locator("input[name=vehicle_value]").press_sequentially("۱۲۰۰۰۰۰")
    assert (
        visitor.input_value("input[name=vehicle_value]") == "۱٬۲۰۰٬۰۰۰"
    )  # its static script, in the page's digits
    _open(visitor, f"{main}/verify/")
    _open(visitor, f"{main}/accounts/login/", "#login-form")
    _open(visitor, f"{main}/admin/login/", "#login-form")
    _open(visitor, f"{main}/api/docs/", "#swagger-ui .information-container")
    assert "Bimeh sales platform API" in visitor.inner_text("#swagger-ui")

    buyer = _tab_as(browser, customer, ["localhost"])
    _open(buyer, f"{main}/account/")
    _open(buyer, f"{main}/accounts/profile/")
    _open(buyer, f"{main}/orders/{order.public_id}/")

    staff = _tab_as(browser, owner, ["panel.localhost"])
    _open(staff, f"{panel}/")
    _charts_drawn(staff)
    _open(staff, f"{panel}/settings/", "#agency-map.leaflet-container")
    for path in ("/settings/lines/", "/content/", "/staff/", "/offers/", "/sales/", "/customers/"):
        _open(staff, f"{panel}{path}")

    operator = _tab_as(browser, insurer, ["ops.localhost"])
    for path in (
        "/",
        "/issuance/",
        f"/issuance/{order.public_id}/",
        f"/issuance/{order.public_id}/print/",
        "/sales-record/",
        "/control/",
        "/plans/",
        "/referrals/",
        "/settlement/",
        "/commissions/",
        "/audit/",
    ):
        _open(operator, f"{ops}{path}")
    _open(operator, f"{ops}/reports/sales/")
    _charts_drawn(operator)

    assert csp_violations == []

    # The policy is enforced, not only sent: a script slipped into the page does not run.
    outcome = visitor.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener(
                "securitypolicyviolation",
                (event) => resolve({ran: window.injected === true, directive: event.effectiveDirective}),
                {once: true},
            );
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            if (window.injected === true) resolve({ran: true, directive: ""});
        })"""
    )
    assert outcome == {"ran": False, "directive": "script-src-elem"}
    # The console report follows the event; Playwright delivers it while it is waited on.
    wait_until(lambda: visitor.evaluate("() => true") and csp_violations, timeout=5)
    visitor.context.close()
    assert any("script-src" in report for report in csp_violations)
    csp_violations.clear()

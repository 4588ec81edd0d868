"""The main pages as axe-core sees them: no violation of any rule axe runs by default (WCAG
2.x A and AA, and its best practices), on a phone's width and on a desktop's.

axe-core comes from npm (``node_modules/axe-core``) and is evaluated in each page through the
DevTools protocol, so a Content-Security-Policy does not stand in its way. A failure lists
every rule broken with the elements that break it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from core.digits import to_latin_digits
from policies.models import Line, TariffVersion
from policies.services.catalog import catalog_load
from policies.services.issuance import policy_issue
from policies.services.quotes import quote_create
from tests.factories import create_agency, create_user
from tests.policies.fixtures_issuance import paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
MOBILE = "09127654321"
RUN_AXE = """
async () => {
  await document.fonts.ready;
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    nodes: rule.nodes.map((node) => node.target.join(" ") + " — " + node.failureSummary),
  }));
}
"""


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: npm ci")
    if page.evaluate("typeof axe") == "undefined":
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN_AXE)


def describe(violations: list[dict]) -> str:
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']}")
        lines += [f"    {node}" for node in rule["nodes"][:5]]
    return "\n".join(lines)


def check_page(page, url: str, found: dict[str, list[dict]], *, expect: str | None = None):
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    if expect:
        page.wait_for_selector(expect)
    check_current(page, found)


def check_current(page, found: dict[str, list[dict]]) -> None:
    violations = axe_violations(page)
    if violations:
        found[page.url] = violations


def assert_clean(found: dict[str, list[dict]]) -> None:
    assert found == {}, "\n\n".join(f"{url}\n{describe(rules)}" for url, rules in found.items())


def _logged_in_tab(browser, user, host: str, viewport: dict):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fa-IR", viewport=viewport)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    return tab


@pytest.fixture
def site_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    return live_port


@pytest.fixture
def sales(drop_schemas_after):
    """Agency 685 (which issues its own policies) with one issued policy sold to the
    customer, and a paid main-site order waiting in the virtual branch's queue."""
    catalog_load()
    agency = create_agency(
        code=685,
        name="نمایندگی خلیلی",
        city="تهران",
        province="تهران",
        phone="021-88001234",
        can_issue=True,
    )
    owner = agency.memberships.get().user
    customer = create_user(
        mobile=MOBILE, first_name="سارا", last_name="کریمی", national_code="0013542419"
    )
    line = Line.objects.get(code="third_party")
    tariff = TariffVersion.objects.get(line=line, status=TariffVersion.Status.ACTIVE)
    sold = paid_order(line=line, tariff=tariff, customer=customer, agency=agency)
    policy = policy_issue(order=sold, actor=owner)
    paid_order(line=line, tariff=tariff, customer=customer)
    quote = quote_create(
        line="third_party",
        answers={
            "vehicle_group": "sedan4",
            "usage": "personal",
            "production_year": 1400,
            "previous_insurer": "iran",
            "no_claim_years": 3,
            "days_since_expiry": 0,
            "extra_cover": "none",
        },
        agency=None,
    )
    return {
        "agency": agency,
        "owner": owner,
        "customer": customer,
        "policy": policy,
        "quote": quote,
        "operator": create_user(insurer_role="operator"),
    }


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_storefront_pages_have_no_axe_violations(browser, site_port, sales, viewport):
    site = f"http://localhost:{site_port}"
    found: dict[str, list[dict]] = {}
    context = browser.new_context(locale="fa-IR", viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(20_000)

    check_page(page, f"{site}/", found, expect="#main-home")
    check_page(page, f"{site}/insurance/", found, expect="#line-list")
    check_page(page, f"{site}/insurance/third_party/", found, expect="#quote-form")
    page.click("#quote-submit")  # nothing answered: every field shows its error
    page.wait_for_selector(".is-invalid")
    check_current(page, found)
    check_page(page, f"{site}/quotes/{sales['quote'].public_id}/", found, expect="#quote-premium")
    check_page(page, f"{site}/verify/", found, expect="#verify-form")
    code = sales["policy"].verification_code
    check_page(page, f"{site}/verify/{code}/", found, expect="[data-validity=valid]")
    check_page(page, f"http://ar685.localhost:{site_port}/", found, expect="#agency-home")

    check_page(page, f"{site}/accounts/login/", found, expect="#login-form")
    page.fill("input[name=mobile]", MOBILE)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/verify/"))
    check_current(page, found)
    context.close()

    account = _logged_in_tab(browser, sales["customer"], "localhost", VIEWPORTS[viewport])
    check_page(account, f"{site}/account/", found, expect="#my-policies")
    assert to_latin_digits(account.inner_text("#my-policies")).count(sales["policy"].number) == 1
    account.context.close()
    assert_clean(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_panel_pages_have_no_axe_violations(browser, site_port, sales, viewport):
    panel = f"http://panel.localhost:{site_port}"
    found: dict[str, list[dict]] = {}
    tab = _logged_in_tab(browser, sales["owner"], "panel.localhost", VIEWPORTS[viewport])
    check_page(tab, f"{panel}/", found, expect="#period-filter")
    check_page(tab, f"{panel}/sales/", found)
    check_page(tab, f"{panel}/settings/", found, expect="#agency-map.leaflet-container")
    tab.context.close()
    assert_clean(found)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_ops_pages_have_no_axe_violations(browser, site_port, sales, viewport):
    ops = f"http://ops.localhost:{site_port}"
    found: dict[str, list[dict]] = {}
    tab = _logged_in_tab(browser, sales["operator"], "ops.localhost", VIEWPORTS[viewport])
    check_page(tab, f"{ops}/", found)
    check_page(tab, f"{ops}/issuance/", found)
    assert tab.locator("#queue tbody tr").count() == 1
    tab.context.close()
    assert_clean(found)


def test_the_menu_button_opens_and_closes_the_menu_on_a_phone(browser, live_port):
    """The navbar's own script stands in for Bootstrap's bundle: by touch and by keyboard."""
    context = browser.new_context(locale="fa-IR", viewport=VIEWPORTS["phone"])
    page = context.new_page()
    page.goto(f"http://localhost:{live_port}/")
    toggler = page.locator(".navbar-toggler")
    assert page.is_hidden("#nav-insurance")
    assert toggler.get_attribute("aria-expanded") == "false"
    toggler.click()
    page.wait_for_selector("#nav-insurance", state="visible")
    assert toggler.get_attribute("aria-expanded") == "true"
    toggler.press("Enter")
    page.wait_for_selector("#nav-insurance", state="hidden")
    assert toggler.get_attribute("aria-expanded") == "false"
    context.close()

"""Buying in a real browser: quote → SMS login → steps → sandbox bank → paid → PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.digits import to_latin_digits
from policies.models import Order
from policies.services.catalog import catalog_load
from policies.services.issuance import policy_issue
from tests.factories import create_agency
from tests.files import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "09127654321"
PNG = png_bytes()


@pytest.fixture
def site_port(settings, live_port):
    # Absolute links (the sandbox bank, SMS links) point at the live test server.
    settings.SITE_PORT = str(live_port)
    return live_port


def _login_with_sms(page, site: str) -> None:
    page.fill("input[name=mobile]", "۰۹۱۲۷۶۵۴۳۲۱")
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/verify/"))
    outbox = page.context.new_page()
    outbox.goto(f"{site}/dev/sms/")
    row = outbox.locator(f"#sms-outbox tr[data-to='{MOBILE}'][data-kind='otp']").first
    code = re.search(r"\d{6}", to_latin_digits(row.locator(".sms-body").inner_text())).group(0)
    outbox.close()
    page.fill("input[name=code]", code)
    page.click("#verify-form button[type=submit]")


def _buy_third_party(page, site: str, tmp_path: Path, *, pick_location: bool = False) -> None:
    page.goto(f"{site}/insurance/")
    page.click("a[data-line=third_party]")
    page.select_option("select[name=vehicle_group]", "pride")
    page.fill("input[name=production_year]", "۱۳۹۸")
    page.select_option("select[name=previous_insurer]", "iran")
    page.fill("input[name=no_claim_years]", "۳")
    page.click("#quote-submit")
    page.wait_for_selector("#quote-premium")
    assert (
        to_latin_digits(page.inner_text("#quote-premium")).replace(",", "").replace("٬", "")
        == "65314000"
    )
    page.click("#buy")
    # Not logged in yet: SMS login, then straight on to the purchase (no second "buy").
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _login_with_sms(page, site)
    page.wait_for_url(re.compile(r"/insured/$"))
    steps = page.locator("#order-steps a")
    assert [steps.nth(i).inner_text().endswith("✓") for i in range(5)] == [False] * 5
    page.fill("input[name=first_name]", "سارا")
    page.fill("input[name=last_name]", "کریمی")
    page.fill("input[name=national_code]", "۰۰۱۳۵۴۲۴۱۹")
    page.fill("input[name=birth_date]", "۱۳۷۲/۰۵/۱۴")
    page.fill("input[name=mobile]", MOBILE)
    page.click("#step-submit")
    page.wait_for_url(re.compile(r"/details/$"))
    page.fill("input[name=plate_number]", "۱۲ب۳۴۵-۶۷")
    page.fill("input[name=chassis_number]", "NAAM01CA9JK123456")
    page.fill("input[name=engine_number]", "M15A1234567")
    page.click("#step-submit")
    page.wait_for_url(re.compile(r"/documents/$"))
    card = tmp_path / "vehicle-card.png"
    card.write_bytes(PNG)
    page.set_input_files("#doc-vehicle_card", str(card))
    page.click("#documents-continue")
    page.wait_for_url(re.compile(r"/delivery/$"))
    page.check("input[name=method][value=post]")
    page.fill("input[name=province]", "تهران")
    page.fill("input[name=city]", "تهران")
    page.fill("textarea[name=address]", "خیابان ولیعصر، کوچه سوم، پلاک ۷")
    page.fill("input[name=postal_code]", "۱۲۳۴۵۶۷۸۹۰")
    if pick_location:  # a click on the map (no tiles offline: the map still takes the point)
        page.wait_for_selector("#location-map.leaflet-container")
        page.click("#location-map")
        assert page.input_value("input[name=latitude]") != ""
        assert page.input_value("input[name=longitude]") != ""
    page.select_option("select[name=date]", index=1)
    page.select_option("select[name=slot]", "09-12")
    page.click("#step-submit")
    page.wait_for_url(re.compile(r"/review/$"))
    page.click("#confirm-pay")
    page.wait_for_selector("#sandbox-bank")
    page.click("#bank-pay")
    page.wait_for_selector("#order-detail[data-state=paid]")


def test_buy_third_party_on_an_agency_site_and_download_the_pdf(
    page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران", can_issue=True)
    site = f"http://ar685.localhost:{site_port}"
    _buy_third_party(page, site, tmp_path)
    order = Order.objects.get(customer__mobile=MOBILE)
    assert (order.state, order.agency_id, order.channel) == ("paid", agency.pk, "agency")
    # The agency, which may issue, issues it; the PDF is rendered by the task.
    owner = agency.memberships.get().user
    policy = policy_issue(order=order, actor=owner)
    page.reload()
    page.wait_for_selector("#order-issued")
    assert to_latin_digits(page.inner_text("#policy-number")) == policy.number
    with page.expect_download() as download_info:
        page.click("#policy-pdf")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename == f"policy-{policy.number}.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    assert saved.stat().st_size > 10_000
    page.screenshot(path=str(tmp_path / "issued.png"), full_page=True)


def test_buy_on_the_main_site_leaves_an_unassigned_paid_order(
    page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    create_agency(code=685, name="نمایندگی خلیلی")
    site = f"http://localhost:{site_port}"
    _buy_third_party(page, site, tmp_path)
    order = Order.objects.get(customer__mobile=MOBILE)
    assert (order.state, order.agency_id, order.channel) == ("paid", None, "main")
    assert order.payments.get().state == "succeeded"
    assert "paid" in page.get_attribute("#order-detail", "data-state")

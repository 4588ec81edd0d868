"""A sale made in the panel, in real browsers: staff price and open the order from the
customer's card and text the link; the customer opens it on the agency's site, signs in with
the SMS code, finishes the steps and pays at the sandbox bank; once issued, the policy is on
that customer's card (decision 032)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from core.digits import to_latin_digits
from crm.models import BookPolicy, PanelSale
from crm.services.customers import customer_create
from policies.models import Order
from policies.services.catalog import catalog_load
from policies.services.issuance import policy_issue
from tests.e2e.test_buy import MOBILE, PNG, _login_with_sms
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    return live_port


def test_staff_sell_by_phone_and_the_customer_pays_from_the_sms_link(
    browser, page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران", can_issue=True)
    owner = agency.memberships.get().user
    connection.set_tenant(agency)
    try:
        customer = customer_create(
            agency=agency,
            actor=owner,
            first_name="سارا",
            last_name="کریمی",
            national_code="0013542419",
            birth_date=dt.date(1993, 8, 5),
            phones=[MOBILE],
        )
    finally:
        connection.set_schema_to_public()

    # Staff, on the phone with the customer.
    panel = _panel_tab(browser, owner, site_port, path=f"/sell/customers/{customer.pk}/")
    panel.click("a[data-line=third_party]")
    panel.select_option("select[name=vehicle_group]", "pride")
    panel.fill("input[name=production_year]", "۱۳۹۸")
    panel.select_option("select[name=previous_insurer]", "iran")
    panel.fill("input[name=no_claim_years]", "۳")
    panel.click("#sale-quote-submit")
    panel.wait_for_selector("#sale-premium")
    premium = to_latin_digits(panel.inner_text("#sale-premium")).replace(",", "").replace("٬", "")
    assert premium.isdigit() and int(premium) > 0
    panel.fill("input[name=plate_number]", "۱۲ب۳۴۵-۶۷")
    panel.fill("input[name=chassis_number]", "NAAM01CA9JK123456")
    panel.fill("input[name=engine_number]", "M15A1234567")
    panel.click("#sale-order-submit")
    panel.wait_for_selector("#sale-detail[data-state=draft]")
    panel.click("#sale-send")
    panel.wait_for_selector(".alert-success")

    # The customer, with the SMS.
    site = f"http://ar685.localhost:{site_port}"
    page.goto(f"{site}/dev/sms/")
    row = page.locator(f"#sms-outbox tr[data-to='{MOBILE}'][data-kind='sale_link']").first
    text = to_latin_digits(row.locator(".sms-body").inner_text())
    link = re.search(r"http://ar685\.localhost:\d+/sale/\S+/", text).group(0)
    page.goto(link)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _login_with_sms(page, site)
    # Insured and details came from the panel: the documents are the first step left.
    page.wait_for_url(re.compile(r"/documents/$"))
    card = tmp_path / "vehicle-card.png"
    card.write_bytes(PNG)
    page.set_input_files("#doc-vehicle_card", str(card))
    page.click("#documents-continue")
    page.wait_for_url(re.compile(r"/delivery/$"))
    page.check("input[name=method][value=in_person]")
    page.select_option("select[name=date]", index=1)
    page.select_option("select[name=slot]", "09-12")
    page.click("#step-submit")
    page.wait_for_url(re.compile(r"/review/$"))
    assert "سارا" in page.inner_text("body")
    page.click("#confirm-pay")
    page.wait_for_selector("#sandbox-bank")
    page.click("#bank-pay")
    page.wait_for_selector("#order-detail[data-state=paid]")

    connection.set_tenant(agency)
    try:
        sale = PanelSale.objects.get()
    finally:
        connection.set_schema_to_public()
    order = Order.objects.get(pk=sale.order_id)
    assert (order.agency_id, order.channel, order.state) == (agency.pk, "agency", "paid")
    assert order.customer.mobile == MOBILE
    # The agency issues it; the ledger sync (policy_issued → crm_policy_sync) books it.
    policy = policy_issue(order=order, actor=owner)
    connection.set_tenant(agency)
    try:
        book = BookPolicy.objects.get(policy_id=policy.pk)
        assert book.customer_id == customer.pk
    finally:
        connection.set_schema_to_public()
    panel.goto(f"http://panel.localhost:{site_port}/sell/{sale.pk}/")
    panel.wait_for_selector("#sale-detail[data-state=issued]")
    assert to_latin_digits(panel.inner_text("#sale-policy")) == policy.number
    panel.screenshot(path=str(tmp_path / "panel-sale.png"), full_page=True)

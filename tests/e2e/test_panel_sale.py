"""A sale made in the panel, in real browsers: staff price and open the order from the
customer's card and text the link; the customer opens it on the agency's site, signs in with
the SMS code, finishes the steps and pays at the sandbox bank; once issued, the policy is on
that customer's card (decision 032)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from core.digits import to_latin_digits
from crm.models import BookPolicy, PanelSale
from crm.services.customers import customer_create
from policies.models import Order
from policies.services.catalog import catalog_load
from policies.services.issuance import policy_issue
from tests.e2e.steps import pay_from_sms_link, sell_third_party_by_phone
from tests.e2e.test_buy import MOBILE
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    sell_third_party_by_phone(panel)

    # The customer, with the SMS.
    site = f"http://ar685.localhost:{site_port}"
    # Insured and details came from the panel: the documents are the first step left.
    pay_from_sms_link(page, site=site, tmp_path=tmp_path, insured_name="سارا")

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

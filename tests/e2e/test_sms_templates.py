"""An owner writes an SMS template in a real browser: clicks placeholders into the text at
the cursor, watches the live preview fill in a real customer's values and count the parts,
and saves; the page has no CSP or accessibility violations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.models import BookPolicy, Customer
from messaging.models import SmsTemplate
from tests.crm.conftest import inside, owner_of
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_clicks_placeholders_in_sees_the_live_preview_and_saves(
    browser, site_port, drop_schemas_after
):
    agency = create_agency(
        code=685, name="نمایندگی خلیلی", latitude="35.700000", longitude="51.400000"
    )
    with inside(agency):
        customer = Customer.objects.create(first_name="مریم", last_name="کاظمی", source="panel")
        BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code="fire",
            number="IR-1",
            end_date=dt.date(2027, 3, 20),
            premium=Decimal("12345000"),
        )
    panel = _panel_tab(browser, owner_of(agency), site_port, path="/sms/templates/")
    found: dict[str, list[dict]] = {}
    check_current(panel, found)
    panel.click("#sms-template-new")
    panel.wait_for_selector("#sms-template-form")
    panel.fill("#id_name", "یادآوری تمدید")
    panel.fill("#id_body", "عزیز، سررسید: ")
    # The cursor at the start: the name goes before the rest, the date at the end.
    panel.eval_on_selector("#id_body", "element => element.setSelectionRange(0, 0)")
    panel.click('[data-sms-placeholder="{نام مشتری}"]')
    panel.type("#id_body", " ")
    panel.eval_on_selector(
        "#id_body",
        "element => element.setSelectionRange(element.value.length, element.value.length)",
    )
    panel.click('[data-sms-placeholder="{تاریخ انقضا}"]')
    assert panel.input_value("#id_body") == "{نام مشتری} عزیز، سررسید: {تاریخ انقضا}"
    panel.wait_for_function(
        "() => document.querySelector('#sms-preview-text')?.textContent"
        " === 'مریم کاظمی عزیز، سررسید: ۱۴۰۵/۱۲/۲۹'",
        timeout=20_000,
    )
    assert panel.inner_text("#sms-parts") == "۱"
    assert "با اطلاعات مریم کاظمی" in panel.inner_text("#sms-preview-customer")
    check_current(panel, found)
    panel.click("#sms-template-save")
    panel.wait_for_selector("#sms-templates")
    assert "یادآوری تمدید" in panel.inner_text("#sms-templates")
    with inside(agency):
        assert SmsTemplate.objects.get().body == "{customer_name} عزیز، سررسید: {expiry_date}"
    assert_clean(found)

"""The SMS log in a real browser: an owner opens it from the nav, narrows it to failed
messages, finds a customer's replies on the received tab and follows one to the customer's
card, whose timeline shows the message sent (issue 13, item 8; decision 039)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import SmsInbound, SmsMessage
from crm.services.customers import customer_create
from tests.crm.conftest import inside, owner_of
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_filters_the_log_and_follows_a_reply_to_the_card(
    browser,  # noqa: F811
    site_port,  # noqa: F811
    drop_schemas_after,
    tmp_path,
):
    agency = create_agency(code=685, name="نمایندگی خلیلی", owner_mobile="09121234567")
    with inside(agency):
        customer = customer_create(
            agency=agency, actor=None, first_name="مریم", last_name="کاظمی", phones=["09121110000"]
        )
    for status, body in (
        (SmsMessage.Status.DELIVERED, "یادآوری تمدید بیمه‌نامه"),
        (SmsMessage.Status.FAILED, "تبریک تولد"),
    ):
        SmsMessage.objects.create(
            to="09121110000",
            body=body,
            agency_id=agency.pk,
            customer_id=customer.pk,
            status=status,
            source="bulk:1",
            parts=1,
            cost=Decimal(1130),
        )
    SmsInbound.objects.create(
        backend="dev",
        provider_id="1",
        sender="09121110000",
        body="لغو",
        received_at=timezone.now(),
        agency_id=agency.pk,
        opt_out=True,
    )
    found: dict = {}

    panel = _panel_tab(browser, owner_of(agency), site_port, path="/")
    panel.click("#nav-panel-sms")
    panel.click("#sms-tab-log")
    panel.wait_for_selector("#sms-log-table")
    assert panel.locator("tr[data-message]").count() == 2
    check_current(panel, found)
    panel.select_option("#id_status", "failed")
    panel.click("#sms-log-filter button[type=submit]")
    panel.wait_for_url("**status=failed**")
    assert panel.locator("tr[data-message]").count() == 1
    assert "ناموفق" in panel.inner_text("#sms-log-table")
    assert "تبریک تولد" in panel.inner_text("#sms-log-table")
    assert "۱ پیامک" in panel.inner_text("#sms-log-totals")
    panel.screenshot(path=str(tmp_path / "sms-log.png"), full_page=True)

    panel.click("#sms-log-tab-received")
    panel.wait_for_selector("tr[data-inbound]")
    assert "لغو" in panel.inner_text("#sms-log-table")
    check_current(panel, found)
    panel.click("tr[data-inbound] a")
    panel.wait_for_selector("#card-timeline")
    timeline = panel.inner_text("#card-timeline")
    assert "پیامک ارسالی" in timeline and "ارسال گروهی" in timeline
    assert_clean(found)

"""Issue 13's "done when", in a real browser: an owner writes a template, turns on the
30-days-before-expiry pattern and sees who gets it tomorrow; the day's run sends it through
the sandbox provider, the delivery report arrives, the customer's timeline shows it, and the
credit went down by the message's parts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core.jalali import tehran
from core.models import SmsMessage
from core.sms.credit import credit_balance, credit_top_up
from core.sms.outbox import sms_drain_batch, sms_reports_poll
from core.sms.parts import Line, sms_cost, sms_parts
from crm.models import BookPolicy, Customer
from messaging.patterns.models import PatternOccurrence
from messaging.patterns.run import patterns_run
from tests.crm.conftest import inside, owner_of
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency
from tests.waiting import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREDIT = Decimal(1_000_000)


def _tomorrow() -> dt.date:
    return timezone.now().astimezone(tehran()).date() + dt.timedelta(days=1)


def test_a_30_day_invitation_from_template_to_delivery_report(
    browser, site_port, drop_schemas_after, settings
):
    settings.SMS_BACKEND = "sandbox"
    settings.SMS_SANDBOX_REPORT_SECONDS = 0
    agency = create_agency(
        code=685, name="نمایندگی خلیلی", latitude="35.700000", longitude="51.400000"
    )
    credit_top_up(agency_id=agency.pk, amount=CREDIT)
    with inside(agency):
        customer = Customer.objects.create(
            first_name="مریم",
            last_name="کاظمی",
            source="panel",
            mobile="09121112233",
            sms_consent=True,
        )
        end = _tomorrow() + dt.timedelta(days=30)
        BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code="fire",
            number="IR-778899",
            start_date=end - dt.timedelta(days=365),
            end_date=end,
            premium=Decimal("12345000"),
        )
    found: dict[str, list[dict]] = {}
    panel = _panel_tab(browser, owner_of(agency), site_port, path="/sms/templates/")

    # The template, with placeholders typed by their Persian names.
    panel.click("#sms-template-new")
    panel.wait_for_selector("#sms-template-form")
    panel.fill("#id_name", "دعوت به تمدید")
    panel.fill(
        "#id_body", "{نام مشتری} عزیز، بیمه‌نامه {شماره بیمه‌نامه} در {تاریخ انقضا} تمام می‌شود."
    )
    panel.click("#sms-template-save")
    panel.wait_for_selector("#sms-templates")

    # The pattern: 30 days before expiry, at 10:00, switched on.
    panel.click("#sms-tab-patterns")
    panel.click("#pattern-new")
    panel.wait_for_selector("#pattern-form")
    panel.fill("#id_name", "دعوت به تمدید ۳۰ روزه")
    panel.select_option("#id_event", "expiry_before")
    panel.fill("#id_offset_days", "۳۰")
    panel.select_option("#id_template", label="دعوت به تمدید")
    panel.fill("#id_send_time", "۱۰:۰۰")
    panel.check("#id_is_active")
    panel.click("#pattern-save")
    panel.wait_for_selector("#pattern-tomorrow")
    check_current(panel, found)
    tomorrow = panel.inner_text("#pattern-tomorrow")
    assert "مریم کاظمی" in tomorrow
    assert "مریم کاظمی عزیز، بیمه‌نامه IR-778899 در" in tomorrow
    assert panel.get_attribute("#pattern-tomorrow", "data-sending") == "1"

    # Tomorrow's run, then 10:00 comes: the drain hands it to the sandbox provider.
    with inside(agency):
        summary = patterns_run(agency=agency, run_date=_tomorrow())
        assert PatternOccurrence.objects.get().outcome == "sent"
    assert summary.sent == 1
    SmsMessage.objects.update(not_before=timezone.now())
    while sms_drain_batch():
        pass
    message = SmsMessage.objects.get()
    assert message.status == "sent" and message.backend == "sandbox"
    SmsMessage.objects.update(status_checked_at=timezone.now() - dt.timedelta(minutes=1))
    wait_until(lambda: sms_reports_poll() or SmsMessage.objects.get().status != "sent", timeout=20)
    message.refresh_from_db()
    assert message.status == "delivered"
    parts = sms_parts(message.body)
    assert credit_balance(agency.pk) == CREDIT - sms_cost(parts, Line.SERVICE)

    # The customer's timeline shows it, delivered.
    panel.goto(f"http://panel.localhost:{site_port}/crm/customers/{customer.pk}/")
    timeline = panel.inner_text("body")
    assert "مریم کاظمی عزیز" in timeline
    assert "تحویل شد" in timeline
    check_current(panel, found)
    assert_clean(found)

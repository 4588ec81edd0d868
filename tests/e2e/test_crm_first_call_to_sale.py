"""Issue 12's "done when", in real browsers: an owner and a staff member work a customer from
the first call to a sale. Staff look up an unknown caller (typed in Persian digits with +98),
register the prospect from the lookup page, open a case on the card and plan an activity with
a reminder; the owner, in a second browser, sees them on the card; the reminder reaches the
staff member's calendar and dashboard; staff start a sale from the card, the customer pays from
the SMS link on the agency's site, the agency issues the policy, the ledger sync books it and
the sale and policy are on the customer's card."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import AgencyMembership
from core.digits import to_latin_digits
from core.jalali import tehran
from crm.models import BookPolicy, Customer, PanelSale
from crm.tasks import crm_policy_sync, crm_reminders_sweep
from policies.models import Order
from policies.services.catalog import catalog_load
from policies.services.issuance import policy_issue
from tests.crm.conftest import inside
from tests.e2e.steps import (
    open_case,
    pay_from_sms_link,
    plan_call_with_reminder,
    sell_third_party_by_phone,
)
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_buy import MOBILE
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_and_a_staff_member_take_a_caller_from_the_first_call_to_a_sale(
    browser, page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران", can_issue=True)
    owner = agency.memberships.get().user
    staff = create_user(first_name="سارا", last_name="کارمند")
    AgencyMembership.objects.create(user=staff, agency=agency, role=AgencyMembership.Role.STAFF)
    panel_host = f"http://panel.localhost:{site_port}"
    today = timezone.localdate(timezone=tehran())

    # 1. The phone rings: staff look the number up as the caller gave it.
    panel = _panel_tab(browser, staff, site_port, path="/crm/lookup/")
    panel.fill("#crm-lookup-form input[name=phone]", "+۹۸ ۹۱۲ ۷۶۵ ۴۳۲۱")
    panel.click("#crm-lookup-form button[type=submit]")
    none = panel.wait_for_selector("#crm-lookup-none")
    assert "۰۹۱۲۷۶۵۴۳۲۱" in none.inner_text()

    # 2. A new prospect, registered from the lookup page with that number filled in.
    panel.click("#crm-lookup-register")
    panel.wait_for_selector("#crm-customer-form")
    assert to_latin_digits(panel.input_value("input[name=mobile]")) == MOBILE
    panel.fill("input[name=first_name]", "نرگس")
    panel.fill("input[name=last_name]", "کریمی")
    panel.fill("input[name=national_code]", "۰۰۱۳۵۴۲۴۱۹")
    panel.fill("input[name=birth_date]", "۱۳۷۲/۰۵/۱۴")
    panel.click("#crm-customer-save")
    panel.wait_for_selector("#crm-card")
    assert panel.inner_text("#card-name") == "نرگس کریمی"
    assert "احتمالی" in panel.inner_text("#crm-card")
    with inside(agency):
        customer = Customer.objects.get()
        assert (customer.kind, customer.source) == ("prospective", "lookup")
    card_url = f"{panel_host}/crm/customers/{customer.pk}/"

    # 3. A case for them, from the card, and an activity with a reminder.
    panel.click("#card-case-new")
    open_case(panel, title="فروش بیمه شخص ثالث", today=today)
    assert "سارا کارمند" in panel.inner_text("#case-assignee")
    plan_call_with_reminder(panel, subject="تماس برای پیشنهاد قیمت", today=today)

    # 4. The owner, in a browser of their own, sees the case and the activity on the card.
    owner_tab = _panel_tab(browser, owner, site_port, path=f"/crm/customers/{customer.pk}/")
    cases = owner_tab.wait_for_selector("#card-cases")
    assert "فروش بیمه شخص ثالث" in cases.inner_text()
    assert "تماس برای پیشنهاد قیمت" in cases.inner_text()
    assert "سارا کارمند" in cases.inner_text()

    # 5. The reminder goes out (the beat entry's sweep, twice: once is what counts) and waits
    # on the staff member's calendar and dashboard.
    crm_reminders_sweep()
    crm_reminders_sweep()
    panel.click("#nav-panel-crm-calendar")
    panel.wait_for_selector("#calendar")
    day_cell = panel.inner_text(f"#day-{today.isoformat()}")
    assert "تماس برای پیشنهاد قیمت" in day_cell and "یادآوری" in day_cell
    panel.click("#nav-panel-dashboard")
    reminders = panel.wait_for_selector("#card-crm_my_activities")
    assert "یادآوری" in reminders.inner_text()

    # 6. Staff start the sale from the card, price it and text the customer the link.
    panel.goto(card_url)
    panel.click("#sale-new")
    sell_third_party_by_phone(panel)

    # 7. The customer pays from the SMS link on the agency's site.
    site = f"http://ar685.localhost:{site_port}"
    pay_from_sms_link(page, site=site, tmp_path=tmp_path, insured_name="نرگس")

    # 8. The agency issues the policy; the ledger sync (its task body, run again: idempotent)
    # books it on this customer.
    with inside(agency):
        sale = PanelSale.objects.get()
    order = Order.objects.get(pk=sale.order_id)
    assert (order.agency_id, order.state) == (agency.pk, "paid")
    policy = policy_issue(order=order, actor=owner)
    crm_policy_sync(agency.schema_name, policy.pk)
    crm_policy_sync(agency.schema_name, policy.pk)
    connection.set_schema_to_public()
    with inside(agency):
        assert BookPolicy.objects.get(policy_id=policy.pk).customer_id == customer.pk

    # 9. The sale and the policy are on the card, for staff and for the owner.
    found: dict[str, list[dict]] = {}
    for tab in (panel, owner_tab):
        tab.goto(card_url)
        book = tab.wait_for_selector("#card-book").inner_text()
        assert "فروش همین نمایندگی" in book
        assert policy.number in to_latin_digits(book)
        sales = tab.inner_text("#card-sales")
        assert "صادرشده" in sales and policy.number in to_latin_digits(sales)
        timeline = tab.inner_text("#card-timeline")
        assert "فروش بیمه شخص ثالث" in timeline
        check_current(tab, found)
    assert_clean(found)  # the full card has no axe violations
    panel.screenshot(path=str(tmp_path / "card.png"), full_page=True)

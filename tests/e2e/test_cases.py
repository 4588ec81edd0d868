"""A staff member works a customer's case in a real browser: opens it, plans an activity with
a reminder, and finds it on the Jalali calendar and the dashboard once the reminder went out."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import AgencyMembership
from core.jalali import jalali_month_name, tehran, to_jalali
from crm.models import Activity, Case
from crm.services.customers import customer_create
from crm.tasks import crm_reminders_sweep
from tests.crm.conftest import inside
from tests.e2e.steps import open_case, plan_call_with_reminder
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_opens_a_case_plans_a_reminder_and_sees_it_on_calendar_and_dashboard(
    browser, site_port, drop_schemas_after, tmp_path
):
    agency = create_agency(
        code=685, name="نمایندگی خلیلی", latitude="35.700000", longitude="51.400000"
    )
    staff = create_user(first_name="سارا", last_name="کارمند")
    AgencyMembership.objects.create(user=staff, agency=agency, role=AgencyMembership.Role.STAFF)
    with inside(agency):
        customer = customer_create(agency=agency, actor=None, first_name="مریم", last_name="کاظمی")
    today = timezone.localdate(timezone=tehran())

    panel = _panel_tab(browser, staff, site_port, path=f"/cases/customer/{customer.pk}/new/")
    open_case(panel, title="فروش بیمه بدنه", today=today)
    found: dict[str, list[dict]] = {}
    check_current(panel, found)
    assert panel.inner_text("#case-title") == "فروش بیمه بدنه"
    assert "سارا کارمند" in panel.inner_text("#case-assignee")

    plan_call_with_reminder(panel, subject="تماس برای پیشنهاد قیمت", today=today)
    assert "تماس برای پیشنهاد قیمت" in panel.inner_text("#activities")
    check_current(panel, found)

    # The beat entry's sweep runs (twice: the reminder still goes out once).
    crm_reminders_sweep()
    crm_reminders_sweep()
    with inside(agency):
        activity = Activity.objects.get()
        assert activity.reminder_sent_at is not None
        assert Case.objects.get().assignee_user_id == staff.pk

    panel.click("#nav-panel-crm-calendar")
    panel.wait_for_selector("#calendar")
    title = panel.inner_text("#calendar-title")
    assert jalali_month_name(to_jalali(today).month) in title
    day_cell = panel.inner_text(f"#day-{today.isoformat()}")
    assert "تماس برای پیشنهاد قیمت" in day_cell and "یادآوری" in day_cell
    assert "۱" in panel.inner_text("#calendar-reminders")
    panel.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
    check_current(panel, found)
    panel.click("#nav-panel-crm-cases")
    panel.wait_for_selector("#cases")
    assert "فروش بیمه بدنه" in panel.inner_text("#cases")
    check_current(panel, found)

    panel.click("#nav-panel-dashboard")
    card = panel.wait_for_selector("#card-crm_my_activities")
    text = card.inner_text()
    assert "۱ / ۰" in text and "یادآوری" in text
    # The badge is an HTMX fragment fetched after the page loads: wait for it, with a deadline.
    panel.wait_for_function(
        "() => document.querySelector('#crm-cases-badge')?.textContent.trim() === '۱'",
        timeout=20_000,
    )
    assert_clean(found)  # no axe violations on the case, calendar and list pages

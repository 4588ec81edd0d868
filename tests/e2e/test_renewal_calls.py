"""Issue 14's second "done when", in a real browser: a staff member of agency 685 works her
renewal list — records "call back at 10:00 tomorrow" (Tehran), the item leaves today's list;
the next day it is on her list; she records "renewed" with the new policy, the item closes
and the old policy shows renewed on the customer's card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from accounts.models import AgencyMembership
from core.jalali import format_jalali_date
from crm.models import BookPolicy, Customer
from policies.models import Line
from renewals.models import CallResult, WorkItem
from renewals.services import clock
from tests.crm.conftest import inside
from tests.e2e.test_accessibility import assert_clean, check_current
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_staff_member_calls_back_the_next_day_and_records_the_renewal(
    browser, site_port, drop_schemas_after
):
    Line.objects.create(code="crm_motor", number_code=97, name="بدنه خودرو")
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران")
    staff = create_user(first_name="سارا", last_name="کارمند")
    AgencyMembership.objects.create(user=staff, agency=agency, role=AgencyMembership.Role.STAFF)
    today = clock.today()
    tomorrow = today + dt.timedelta(days=1)
    with inside(agency):
        customer = Customer.objects.create(
            first_name="نرگس", last_name="کریمی", source="panel", mobile="09127654321"
        )
        old = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code="crm_motor",
            number="OLD-1404",
            start_date=today - dt.timedelta(days=340),
            end_date=today + dt.timedelta(days=25),
            premium=Decimal("120000000"),
        )
        new = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code="crm_motor",
            number="NEW-1405",
            start_date=today + dt.timedelta(days=25),
            end_date=today + dt.timedelta(days=390),
            premium=Decimal("150000000"),
        )
        item = WorkItem.objects.create(
            kind="renewal",
            book_policy=old,
            customer=customer,
            line_code="crm_motor",
            end_date=old.end_date,
            premium=old.premium,
            assigned_to_user_id=staff.pk,
            assigned_on=today,
            due_at=clock.due_at(today),
            created_on=today,
        )
    row = f"#item-{item.pk}"

    # 1. Her list: the item is on today's calls, with the line's name.
    panel = _panel_tab(browser, staff, site_port, path="/renewals/")
    panel.wait_for_selector(row)
    assert "بدنه خودرو" in panel.inner_text(row)
    found: dict[str, list[dict]] = {}
    check_current(panel, found)

    # 2. Call back at 10:00 tomorrow (Tehran): the item leaves today's list.
    panel.click(f"{row} a")
    panel.wait_for_selector("#result-form")
    check_current(panel, found)
    panel.select_option("select[name=result]", "call_back")
    panel.fill("input[name=call_back_date]", format_jalali_date(tomorrow))
    panel.fill("input[name=call_back_time]", "۱۰:۰۰")
    panel.fill("textarea[name=note]", "فردا صبح تماس بگیرید")
    panel.click("#result-submit")
    panel.wait_for_selector("#calls-table[data-tab=today]")
    assert panel.locator(row).count() == 0
    with inside(agency):
        item.refresh_from_db()
        assert item.next_call_at == clock.at(tomorrow, dt.time(10))
        assert item.last_result == "call_back"

    # 3. The next day (the clock the pages read moved a day on): it is on her list.
    with mock.patch("renewals.services.clock.today", return_value=tomorrow):
        panel.goto(f"http://panel.localhost:{site_port}/renewals/")
        panel.wait_for_selector(row)
        assert "تماس مجدد" in panel.inner_text(row)

        # 4. Renewed, with the new policy of the same customer and line.
        panel.click(f"{row} a")
        panel.wait_for_selector("#result-form")
        assert "فردا صبح تماس بگیرید" in panel.inner_text("#item-results")
        panel.select_option("select[name=result]", "renewed")
        panel.select_option("select[name=new_book_policy]", str(new.pk))
        panel.click("#result-submit")
        panel.wait_for_selector("#calls-table[data-tab=today]")
        assert panel.locator(row).count() == 0

    with inside(agency):
        item.refresh_from_db()
        old.refresh_from_db()
        assert (item.state, item.outcome, item.channel) == ("closed", "renewed", "call")
        assert (item.new_book_policy_id, item.credited_user_id) == (new.pk, staff.pk)
        assert (old.state, old.renewed_by_id) == ("renewed", new.pk)
        assert list(CallResult.objects.filter(item=item).values_list("result", flat=True)) == [
            "renewed",
            "call_back",
        ]

    # 5. The customer's card shows the old policy renewed.
    panel.goto(f"http://panel.localhost:{site_port}/crm/customers/{customer.pk}/")
    panel.wait_for_selector(f"#card-book-{old.pk}")
    assert "تمدیدشده" in panel.inner_text(f"#card-book-{old.pk}")
    assert_clean(found)

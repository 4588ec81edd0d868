"""Browser steps more than one end-to-end test takes: a case and an activity planned in the
panel, a third-party sale priced and texted from the panel, and the customer paying it from
the SMS link on the agency's site."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from core.digits import to_latin_digits
from core.jalali import format_jalali_date
from tests.e2e.test_buy import MOBILE, PNG, _login_with_sms


def fill_third_party_answers(page) -> None:
    """The third-party quote form's answers (a 1398 Pride, three years without a claim)."""
    page.select_option("select[name=vehicle_group]", "pride")
    page.fill("input[name=production_year]", "۱۳۹۸")
    page.select_option("select[name=previous_insurer]", "iran")
    page.fill("input[name=no_claim_years]", "۳")


def open_case(panel, *, title: str, today: dt.date) -> None:
    """On the new case page: a sale case due in two days, saved; waits for the case page."""
    panel.select_option("select[name=kind]", "sale")
    panel.fill("input[name=title]", title)
    panel.fill("input[name=due_date]", format_jalali_date(today + dt.timedelta(days=2)))
    panel.fill("input[name=due_time]", "۱۰:۳۰")
    panel.click("#crm-form button[type=submit]")
    panel.wait_for_selector("#case-title")


def plan_call_with_reminder(panel, *, subject: str, today: dt.date) -> None:
    """On a case page: a call due today whose reminder is already due; waits for the notice."""
    form = "#activity-add"
    panel.select_option(f"{form} select[name=kind]", "call")
    panel.fill(f"{form} input[name=subject]", subject)
    panel.fill(f"{form} input[name=due_date]", format_jalali_date(today))
    panel.fill(f"{form} input[name=due_time]", "23:59")
    panel.fill(f"{form} input[name=remind_date]", format_jalali_date(today))
    panel.fill(f"{form} input[name=remind_time]", "00:00")
    panel.click(f"{form} button[type=submit]")
    panel.wait_for_selector(".alert-success")


def sell_third_party_by_phone(panel) -> None:
    """On a customer's sale page: price a third-party policy, open the order and text the
    customer the link."""
    panel.click("a[data-line=third_party]")
    fill_third_party_answers(panel)
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


def pay_from_sms_link(page, *, site: str, tmp_path: Path, insured_name: str) -> None:
    """The customer opens the sale's SMS link on ``site``, signs in with the SMS code, adds
    the documents and delivery (insured and details came from the panel), sees
    ``insured_name`` on the review and pays at the sandbox bank."""
    page.goto(f"{site}/dev/sms/")
    row = page.locator(f"#sms-outbox tr[data-to='{MOBILE}'][data-kind='sale_link']").first
    text = to_latin_digits(row.locator(".sms-body").inner_text())
    link = re.search(r"http://ar685\.localhost:\d+/sale/\S+/", text).group(0)
    page.goto(link)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _login_with_sms(page, site)
    page.wait_for_url(re.compile(r"/documents/$"))
    vehicle_card = tmp_path / "vehicle-card.png"
    vehicle_card.write_bytes(PNG)
    page.set_input_files("#doc-vehicle_card", str(vehicle_card))
    page.click("#documents-continue")
    page.wait_for_url(re.compile(r"/delivery/$"))
    page.check("input[name=method][value=in_person]")
    page.select_option("select[name=date]", index=1)
    page.select_option("select[name=slot]", "09-12")
    page.click("#step-submit")
    page.wait_for_url(re.compile(r"/review/$"))
    assert insured_name in page.inner_text("body")
    page.click("#confirm-pay")
    page.wait_for_selector("#sandbox-bank")
    page.click("#bank-pay")
    page.wait_for_selector("#order-detail[data-state=paid]")

"""Issue 14's first "done when", in a real browser: a policy of agency 685 sold here expires
in 30 days; the day's contact pattern (the SMS demo's 30-day invitation) texts the customer
the renewal link; the customer opens it on ar685, sees the new premium, goes on, signs in
with the SMS code, finishes the steps and pays at the sandbox bank; once the new policy is
issued, the old one is renewed by it and its work item closed, credited to the link
(decision 043)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.digits import to_latin_digits
from core.jalali import tehran
from core.models import SmsMessage
from core.sms.outbox import sms_drain_batch
from crm.models import BookPolicy, Customer, PanelSale
from crm.services.customers import customer_create
from crm.services.ledger import ledger_policies_sync
from crm.services.selling import sale_order_create, sale_quote
from messaging.patterns.run import patterns_run
from policies.models import Order
from policies.services.catalog import catalog_load
from policies.services.issuance import policy_issue
from renewals.models import RenewalOffer, WorkItem
from tests.crm.conftest import inside
from tests.e2e.test_buy import MOBILE, PNG, _login_with_sms
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = {
    "vehicle_group": "pride",
    "usage": "personal",
    "production_year": "1398",
    "previous_insurer": "iran",
    "no_claim_years": "3",
    "days_since_expiry": "0",
    "extra_cover": "none",
}
DETAILS = {
    "plate_number": "۱۲ب۳۴۵-۶۷",
    "chassis_number": "NAAM01CA9JK123456",
    "engine_number": "M15A1234567",
}


def _tomorrow() -> dt.date:
    return timezone.now().astimezone(tehran()).date() + dt.timedelta(days=1)


def _issue(agency, owner, order_id: int) -> BookPolicy:
    order = Order.objects.select_related("agency").get(pk=order_id)
    policy = policy_issue(order=order, actor=owner)
    with inside(agency):
        if not BookPolicy.objects.filter(policy_id=policy.pk).exists():
            ledger_policies_sync(agency=agency, policy_ids=[policy.pk])
        return BookPolicy.objects.get(policy_id=policy.pk)


def _old_policy(agency, owner) -> BookPolicy:
    """Last year's third-party policy, sold here, expiring 30 days after tomorrow."""
    with inside(agency):
        customer = customer_create(
            agency=agency,
            actor=owner,
            first_name="سارا",
            last_name="کریمی",
            national_code="0013542419",
            birth_date=dt.date(1993, 8, 5),
            phones=[MOBILE],
        )
        Customer.objects.filter(pk=customer.pk).update(sms_consent=True)
        quote = sale_quote(
            agency=agency, actor=owner, customer=customer, line_code="third_party", answers=ANSWERS
        )
        sale = sale_order_create(
            agency=agency, actor=owner, customer=customer, quote=quote, details=DETAILS
        )
    Order.objects.filter(pk=sale.order_id).update(
        state=Order.State.PAID, paid_at=timezone.now(), delivery_method="in_person"
    )
    old = _issue(agency, owner, sale.order_id)
    end = _tomorrow() + dt.timedelta(days=30)
    with inside(agency):
        BookPolicy.objects.filter(pk=old.pk).update(
            end_date=end, start_date=end - dt.timedelta(days=365)
        )
        old.refresh_from_db()
    return old


def test_the_reminder_sms_link_renews_the_policy_on_the_agency_site(
    browser, page, site_port, drop_schemas_after, settings, tmp_path
):
    settings.SMS_BACKEND = "sandbox"
    catalog_load()
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران", can_issue=True)
    owner = agency.memberships.get().user
    call_command("load_sms_demo", verbosity=0)  # the 30-day invitation with {renewal_link}
    old = _old_policy(agency, owner)
    with inside(agency):
        item = WorkItem.objects.create(
            kind="renewal",
            book_policy=old,
            customer_id=old.customer_id,
            line_code=old.line_code,
            end_date=old.end_date,
            premium=old.premium,
            assigned_to_user_id=owner.pk,
            assigned_on=_tomorrow(),
            created_on=_tomorrow(),
        )

    # Tomorrow's run of the contact patterns, then 10:00 comes: the sandbox sends it.
    with inside(agency):
        summary = patterns_run(agency=agency, run_date=_tomorrow())
    assert summary.sent == 1
    SmsMessage.objects.update(not_before=timezone.now())
    while sms_drain_batch():
        pass
    message = SmsMessage.objects.get(to=MOBILE, body__contains="/renew/")
    assert message.status == "sent" and "/renew/" in message.body

    # The customer reads the SMS and opens the link on the agency's site.
    site = f"http://ar685.localhost:{site_port}"
    page.goto(f"{site}/dev/sms/")
    row = page.locator(f"#sms-outbox tr[data-to='{MOBILE}']", has_text="/renew/").first
    text = to_latin_digits(row.locator(".sms-body").inner_text())
    link = re.search(r"http://ar685\.localhost:\d+/renew/\S+/", text).group(0)
    page.goto(link)
    page.wait_for_selector("#renewal-page[data-reason=ready]")
    premium = to_latin_digits(page.inner_text("#renewal-premium"))
    assert premium.replace(",", "").replace("٬", "").isdigit()
    page.screenshot(path=str(tmp_path / "renewal-page.png"), full_page=True)
    page.click("#renewal-continue")

    # crm's sale link: the SMS login, then the steps left (insured and details carried).
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
    assert "سارا" in page.inner_text("body")
    page.click("#confirm-pay")
    page.wait_for_selector("#sandbox-bank")
    page.click("#bank-pay")
    page.wait_for_selector("#order-detail[data-state=paid]")

    with inside(agency):
        offer = RenewalOffer.objects.get()
        sale = PanelSale.objects.get(pk=offer.sale_id)
    assert offer.channel == "online_link" and offer.book_policy_id == old.pk
    order = Order.objects.get(pk=sale.order_id)
    assert (order.agency_id, order.state, order.customer.mobile) == (agency.pk, "paid", MOBILE)
    assert order.quote.answers["no_claim_years"] == 4  # one more year without a claim
    assert order.details["chassis_number"] == DETAILS["chassis_number"]

    # The agency issues it; the ledger sync books it and links it to the old policy.
    new = _issue(agency, owner, order.pk)
    with inside(agency):
        old.refresh_from_db()
        item.refresh_from_db()
    assert (old.renewed_by_id, old.state) == (new.pk, "renewed")
    assert (item.state, item.outcome, item.channel) == ("closed", "renewed", "online_link")
    assert item.new_book_policy_id == new.pk and item.points > 0

"""What customers, agencies and operators read about a sale: names, never codes.

The purchase steps say honestly what is done; an order's details are shown under their
questions' names, with Latin codes (the VIN) in Latin digits and the rest in Persian ones;
the timeline and the payments name events, people and gateways; a policy's period reads
"from … to …" (تا), not "to" a recipient.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.html import escape

from core.digits import to_persian_digits
from core.jalali import format_jalali_date
from policies.models import Order, SalesEvent
from policies.services.issuance import policy_issue
from tests.factories import create_agency
from tests.policies.fixtures_purchase import *  # noqa: F403 - its fixtures
from tests.policies.test_purchase_pages import buy_until_review, pay
from tests.reports.pages import html_table

pytestmark = pytest.mark.django_db

MAIN, AGENCY, PANEL, OPS = "localhost", "ar685.localhost", "panel.localhost", "ops.localhost"
VIN = "NAAM01CA9JK123456"


def fa(text: str, context: str | None = None) -> str:
    with translation.override("fa"):
        shown = translation.pgettext(context, text) if context else translation.gettext(text)
    assert shown != text, f"no Persian translation of {text!r}"
    return escape(shown)


def _steps(page: str) -> dict[str, str]:
    """Each step's link text in the step indicator."""
    return dict(re.findall(r'data-step="(\w+)">([^<]+)</a>', page))


def test_the_last_step_is_not_done_before_the_order_is_paid(client, catalog, customer):
    client.force_login(customer)
    order = buy_until_review(client, MAIN)
    for step in ("insured", "review"):
        steps = _steps(
            client.get(f"/orders/{order.public_id}/{step}/", HTTP_HOST=MAIN).content.decode()
        )
        # Every data step is complete and marked so; paying is still to do.
        assert [code for code, text in steps.items() if text.endswith("✓")] == [
            code for code in ("insured", "details", "documents", "delivery") if code != step
        ]
        assert not steps["review"].endswith("✓")
    # Confirmed and waiting for payment: still not done.
    client.post(f"/orders/{order.public_id}/review/", HTTP_HOST=MAIN)
    assert Order.objects.get(pk=order.pk).state == "awaiting_payment"
    steps = _steps(
        client.get(f"/orders/{order.public_id}/insured/", HTTP_HOST=MAIN).content.decode()
    )
    assert not steps["review"].endswith("✓")


def test_a_half_filled_order_marks_only_what_is_done(client, catalog, customer):
    client.force_login(customer)
    quote = client.post(
        "/insurance/travel/", {"zone": "asia", "duration": "7", "age": "30"}, HTTP_HOST=MAIN
    )["Location"]
    step = client.post(f"/orders/start/{quote.rstrip('/').rsplit('/', 1)[1]}/", HTTP_HOST=MAIN)
    steps = _steps(client.get(step["Location"], HTTP_HOST=MAIN).content.decode())
    assert [code for code, text in steps.items() if text.endswith("✓")] == []


def test_a_link_to_start_an_order_opens_none_without_pressing_buy(client, catalog, customer):
    """Only "buy" pressed in this browser before the login opens an order afterwards."""
    quote_path = client.post(
        "/insurance/travel/", {"zone": "asia", "duration": "7", "age": "30"}, HTTP_HOST=MAIN
    )["Location"]
    quote_id = quote_path.rstrip("/").rsplit("/", 1)[1]
    client.force_login(customer)
    response = client.get(f"/orders/start/{quote_id}/", HTTP_HOST=MAIN)
    assert response["Location"] == quote_path
    assert Order.objects.count() == 0
    client.logout()
    assert client.get(f"/orders/start/{quote_id}/", HTTP_HOST=MAIN)["Location"] == quote_path
    assert Order.objects.count() == 0


def test_review_and_order_pages_name_the_answers_and_keep_latin_codes_latin(
    client, catalog, customer
):
    client.force_login(customer)
    order = buy_until_review(client, MAIN)
    review = client.get(f"/orders/{order.public_id}/review/", HTTP_HOST=MAIN).content.decode()
    assert '<dt class="col-6">شماره شاسی</dt>' in review
    assert f'<bdi dir="ltr" data-latin>{VIN}</bdi>' in review
    assert "۱۲ب۳۴۵-۶۷" in review  # the plate in Persian digits
    assert "plate_number" not in review
    quote = client.get(f"/quotes/{order.quote.public_id}/", HTTP_HOST=MAIN).content.decode()
    assert '<dt class="col-6">سال ساخت</dt><dd class="col-6">۱۳۹۸</dd>' in quote


def test_the_panel_and_ops_order_pages_name_details_events_people_and_gateways(
    client, catalog, customer, insurer_operator
):
    agency = create_agency(code=685, name="نمایندگی خلیلی", can_issue=True)
    client.force_login(customer)
    order = buy_until_review(client, AGENCY)
    pay(client, AGENCY, order)
    owner = agency.memberships.get().user
    client.force_login(owner)
    page = client.get(f"/sales/{order.public_id}/", HTTP_HOST=PANEL).content.decode()
    details = re.search(r'<dl class="row mb-0 small" id="order-details">(.*?)</dl>', page, re.S)
    assert details is not None
    assert re.findall(r'<dt class="col-5">([^<]+)</dt>', details.group(1)) == [
        "شماره پلاک",
        "شماره شاسی",
        "شماره موتور",
    ]
    assert f'<bdi dir="ltr" data-latin>{VIN}</bdi>' in details.group(1)
    assert "plate_number" not in page and "chassis_number" not in page
    # Documents by their names, payments by their gateway's name.
    assert "کارت خودرو — card.png" in page and "vehicle_card" not in page
    _head, payments = html_table(page, "order-payments")
    assert payments[0][1] == fa("Sandbox bank (development)")
    # The timeline: events in words, the customer by name, the bank by name.
    _head, timeline = html_table(page, "order-timeline")
    events = SalesEvent.objects.filter(order=order).order_by("created_at", "id")
    with translation.override("fa"):
        assert [row[1] for row in timeline] == [event.event_label for event in events]
    assert fa("Payment verified with the bank") in [row[1] for row in timeline]
    who = {row[1]: row[2] for row in timeline}
    assert who[fa("Order opened")] == customer.get_full_name()
    assert who[fa("Order paid")] == fa("System")
    for code in ("order_created", "payment_verified", "gateway:sandbox", ">sandbox<"):
        assert code not in page
    # The virtual branch reads the same, and its sales record filter offers names.
    client.force_login(insurer_operator)
    record = client.get("/sales-record/", HTTP_HOST=OPS).content.decode()
    assert (
        f'<option value="payment_verified">{fa("Payment verified with the bank")}</option>'
        in record
    )
    _head, rows = html_table(record, "events")
    assert {row[1] for row in rows} >= {fa("Order paid"), fa("Premium quoted")}
    assert "order_paid" not in " ".join(cell for row in rows for cell in row)


def test_a_policys_period_reads_from_and_until(client, catalog, customer):
    agency = create_agency(code=685, name="نمایندگی خلیلی", can_issue=True)
    client.force_login(customer)
    order = buy_until_review(client, AGENCY)
    pay(client, AGENCY, order)
    policy = policy_issue(order=Order.objects.get(pk=order.pk), actor=agency.memberships.get().user)
    account = client.get("/account/", HTTP_HOST=AGENCY).content.decode()
    policies = account[account.index('id="my-policies"') : account.index('id="my-orders"')]
    assert re.findall(r"<th>([^<]*)</th>", policies)[2:4] == ["از", "تا"]
    assert "گیرنده" not in account
    verify = client.get(f"/verify/{policy.verification_code}/", HTTP_HOST=MAIN).content.decode()
    assert (
        f'<dt class="col-5">تا</dt><dd class="col-7">{format_jalali_date(policy.end_date)}</dd>'
        in verify
    )
    assert to_persian_digits(policy.number) in verify

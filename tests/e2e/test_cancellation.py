"""Cancellation in a real browser: a customer asks to cancel an agency's policy from the
account on the agency's site and sees the refund before confirming, an operator approves it on ops, and the refund
reaches the next settlement file as a negative line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.test import Client

from cancellations.models import CancellationRequest
from core.jalali import format_jalali_date, tehran, tehran_today
from policies.models import Policy
from settlement.models import SettlementExport
from settlement.services.batches import last_ended_day, settlement_batches_build
from tests.cancellations.conftest import ensure_tables
from tests.factories import create_agency, create_user
from tests.settlement.sales import sale, tehran_time

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    yield
    storages._storages.pop("private", None)


def _tab(browser, user, domains: tuple[str, ...]):
    """A browser logged in as ``user`` on ``domains`` (the SMS login is test_signup's)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fa-IR")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": domain, "path": "/"}
            for domain in domains
        ]
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    return tab


def test_a_cancellation_and_its_refund_reach_the_next_settlement_file(
    browser, live_port, drop_schemas_after, private_files, line, tariff, customer
):
    ensure_tables()
    agency = create_agency(code=685, name="نمایندگی خلیلی")
    sold_day = tehran_today() - dt.timedelta(days=40)
    payment = sale(
        line=line,
        tariff=tariff,
        customer=customer,
        agency=agency,
        premium="12000000",
        paid_at=tehran_time(sold_day, 10),
    )
    policy = payment.order.policy
    settlement_batches_build(day=sold_day)  # the sale went to settlement long ago

    mine = _tab(browser, customer, ("ar685.localhost",))
    mine.goto(f"http://ar685.localhost:{live_port}/account/")  # where the policy was sold
    mine.click(f"tr[data-number='{policy.number}'] .policy-cancel")
    mine.fill("input[name=last_day]", format_jalali_date(tehran_today(), persian_digits=False))
    mine.select_option("select[name=reason]", "sold")
    mine.click("#cancel-preview")
    mine.wait_for_selector("#cancel-quote")
    assert mine.text_content("#quote-refund").strip() == "۷٬۲۰۰٬۰۰۰"  # 40 days: 40 % kept
    mine.click("#cancel-confirm")
    mine.wait_for_selector("#cancellation-state")
    request = CancellationRequest.objects.get()
    assert request.state == "pending"

    operator = create_user(insurer_role="operator")
    ops = _tab(browser, operator, ("ops.localhost",))
    ops.goto(f"http://ops.localhost:{live_port}/cancellations/")
    ops.click(f"#cancellation-{request.pk} a")
    ops.click("#cancellation-approve")
    ops.wait_for_selector(".alert-success")
    policy.refresh_from_db()
    assert (policy.state, policy.refund_amount) == (Policy.State.CANCELLED, request.refund)

    # The approval happened "yesterday": the day whose batches are built next.
    yesterday = dt.datetime.combine(last_ended_day(), dt.time(15), tzinfo=tehran())
    Policy.objects.filter(pk=policy.pk).update(cancelled_at=yesterday)
    day = format_jalali_date(last_ended_day(), persian_digits=False)
    ops.goto(f"http://ops.localhost:{live_port}/settlement/?day={day}")
    ops.click("#build-batches")
    ops.wait_for_selector(".alert-success")
    ops.click("#export-day")
    ops.wait_for_selector("#download-csv")
    with ops.expect_download() as download:
        ops.click("#download-csv")
    lines = Path(download.value.path()).read_bytes().decode().split("\r\n")
    export = SettlementExport.objects.get(day=last_ended_day())
    reversal = [fields.split(",") for fields in lines if fields.startswith("R,")]
    assert len(reversal) == 1
    assert reversal[0][1] == export.number and reversal[0][4] == "685"
    assert reversal[0][6] == policy.number
    assert (reversal[0][13], reversal[0][14]) == ("-7200000", "-720000")
    assert f"T,{export.number},{day},1,1,-7200000,-720000" in lines

"""Issue 15's claims "done when", in a real browser: a customer of agency 685 files a motor
claim on the agency's site from the account page, uploads the checklist's documents, and the
insurer's operator works it through the ops queue to paid; the customer is texted when the
claim is filed and when its payment is ordered, once each (decision 048)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from claims.models import Claim
from core.digits import to_persian_digits
from core.jalali import format_jalali_date, tehran
from core.models import SmsMessage
from policies.models import Line, TariffVersion
from policies.services.catalog import catalog_load
from tests.claims.conftest import checklist_seed, sell
from tests.factories import create_agency, create_user
from tests.files import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tab(browser, user, host: str, port: int, path: str):
    """A browser logged in as ``user`` on ``host`` (a session made the way Django makes one;
    the SMS login itself is covered by test_signup)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fa-IR")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"http://{host}:{port}{path}")
    return tab


def test_a_motor_claim_is_filed_with_documents_and_paid_through_the_ops_queue(
    browser, live_port, drop_schemas_after, tmp_path
):
    catalog_load()
    checklist_seed()
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران")
    line = Line.objects.get(code="third_party")
    customer = create_user(first_name="سارا", last_name="کریمی", national_code="0013542419")
    policy = sell(
        (line, TariffVersion.objects.filter(line=line).first()), customer=customer, agency=agency
    )
    operator = create_user(first_name="سمیرا", last_name="کارشناس", insurer_role="operator")
    create_user(first_name="رضا", last_name="ارزیاب", insurer_role="operator")
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes(64, 48))

    site = _tab(browser, customer, "ar685.localhost", live_port, "/account/")
    site.click(f"tr[data-number='{policy.number}'] a.policy-claim")
    site.wait_for_selector("#claim-form")
    yesterday = timezone.now().astimezone(tehran()).date() - dt.timedelta(days=1)
    site.fill("input[name=occurred_on]", format_jalali_date(yesterday))
    site.fill("input[name=occurred_time]", to_persian_digits("10:30"))
    site.fill("input[name=province]", "تهران")
    site.fill("input[name=city]", "تهران")
    site.fill("input[name=place]", "بزرگراه همت، خروجی شيخ فضل‌الله")
    site.fill("textarea[name=description]", "خودروی پشتی به ما برخورد كرد.")
    site.click("#claim-submit")
    site.wait_for_selector("#document-form")
    claim = Claim.objects.get()
    assert claim.place == "بزرگراه همت، خروجی شیخ فضل‌الله"  # Arabic ي normalised
    for kind in ("driving_licence", "vehicle_card", "police_report", "damage_photos"):
        site.select_option("select[name=kind]", kind)
        site.set_input_files("input[name=file]", str(photo))
        site.click("#document-upload")
        site.wait_for_selector(f"li[data-document={kind}][data-uploaded='1']")
    site.screenshot(path=str(tmp_path / "claim-filed.png"), full_page=True)

    ops = _tab(browser, operator, "ops.localhost", live_port, "/claims/?state=filed")
    ops.click(f"tr[data-claim='{claim.public_id}'] a")
    ops.click("#act-complete")
    ops.wait_for_selector("#act-assessor")
    ops.select_option("select[name=assessor]", label="رضا ارزیاب")
    ops.click("#act-assessor")
    ops.wait_for_selector("#act-assess")
    ops.fill("input[name=damage]", "۸۰۰۰۰۰۰۰")
    ops.fill("input[name=sum_insured]", "100000000")
    ops.fill("input[name=deductible]", "5000000")
    ops.fill("input[name=ratio_percent]", "90")
    ops.click("#act-assess")
    ops.wait_for_selector("#act-approve")
    assert "۶۷٬۵۰۰٬۰۰۰" in ops.inner_text("#claim-amount") or "67" in ops.inner_text(
        "#claim-amount"
    )
    ops.click("#act-approve")
    ops.click("#act-order")
    ops.wait_for_selector("#act-paid")
    ops.fill("input[name=reference]", "۹۸۷۶۵۴")
    ops.click("#act-paid")
    ops.wait_for_selector(".claim-state[data-state=paid]")
    ops.screenshot(path=str(tmp_path / "claim-paid.png"), full_page=True)

    claim.refresh_from_db()
    assert claim.state == Claim.State.PAID and str(claim.amount) == "67500000"
    assert claim.payment_reference == "987654"
    texts = SmsMessage.objects.filter(to=customer.mobile)
    assert texts.filter(kind="claim_filed").count() == 1
    assert texts.filter(kind="claim_payment").count() == 1
    outbox = site.context.new_page()
    outbox.goto(f"http://ar685.localhost:{live_port}/dev/sms/")
    kinds = outbox.locator(f"#sms-outbox tr[data-to='{customer.mobile}']")
    found = {kinds.nth(n).get_attribute("data-kind") for n in range(kinds.count())}
    assert {"claim_filed", "claim_payment"} <= found
    outbox.close()
    site.goto(f"http://ar685.localhost:{live_port}/claims/{claim.public_id}/")
    assert site.get_attribute(".claim-state", "data-state") == "paid"
    assert re.search("پرداخت", site.inner_text("#claim-timeline"))

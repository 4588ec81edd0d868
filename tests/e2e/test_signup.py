"""A customer signs up with an SMS code on an agency site and lands on it logged in."""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from core.digits import to_latin_digits
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE_TYPED = "۰۹۱۲۳۴۵۶۷۸۹"  # Persian digits, as a customer types them
MOBILE = "09123456789"


def test_sign_up_with_sms_code_on_agency_site(page, live_port, drop_schemas_after, tmp_path):
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران", phone="021-88001234")
    site = f"http://ar685.localhost:{live_port}"

    page.goto(f"{site}/")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("#agency-name") == "نمایندگی خلیلی"
    page.click("#nav-login")
    page.fill("input[name=mobile]", MOBILE_TYPED)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/verify/"))

    # The development SMS outbox shows what the customer's phone would have received.
    outbox = page.context.new_page()
    outbox.goto(f"{site}/dev/sms/")
    row = outbox.locator(f"#sms-outbox tr[data-to='{MOBILE}'][data-kind='otp']").first
    code = re.search(r"\d{6}", to_latin_digits(row.locator(".sms-body").inner_text())).group(0)
    outbox.close()

    page.fill("input[name=code]", code)
    page.click("#verify-form button[type=submit]")
    page.wait_for_url(f"{site}/")
    assert page.inner_text("#agency-name") == "نمایندگی خلیلی"
    assert page.locator("#nav-profile").count() == 1
    assert page.locator("#nav-login").count() == 0
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "fa"
    page.screenshot(path=str(tmp_path / "agency-home.png"), full_page=True)

    user = User.objects.get(mobile=MOBILE)
    assert user.signup_agency_id == agency.pk
    assert user.mobile_verified_at is not None


def test_wrong_code_shows_a_persian_error_and_keeps_the_page(page, live_port, drop_schemas_after):
    create_agency(code=685, name="نمایندگی خلیلی")
    site = f"http://ar685.localhost:{live_port}"
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=mobile]", MOBILE)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/verify/"))
    page.fill("input[name=code]", "000000")
    page.click("#verify-form button[type=submit]")
    assert "کد" in page.inner_text("#verify-form .invalid-feedback")
    assert page.locator("#nav-profile").count() == 0
    assert not User.objects.filter(mobile=MOBILE).exists()

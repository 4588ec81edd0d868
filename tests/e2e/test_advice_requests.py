"""A customer posts an advice request on the main site; two agencies answer in their panels
without seeing the customer; the customer accepts one, and then each sees the other's
contact details while the other agency sees the request closed (issue 15, point 2)."""

from __future__ import annotations

import re

import pytest

from advice.models import AdviceRequest
from core.digits import to_latin_digits
from core.models import SmsMessage
from policies.models import Line
from policies.services.catalog import catalog_load
from tests.e2e.test_buy import MOBILE, _login_with_sms
from tests.e2e.test_referral import _panel_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(tab, request_id: int, message: str, premium: str = "") -> None:
    tab.reload()
    tab.click(f"#advice-open-{request_id}")
    tab.wait_for_selector("#advice-answer-form")
    text = tab.inner_text("main")
    assert "کریمی" not in text and "۰۹۱۲۷۶۵۴۳۲۱" not in text and MOBILE not in text
    tab.fill("textarea[name=message]", message)
    if premium:
        tab.fill("input[name=premium]", premium)
    tab.click("#advice-answer-submit")
    tab.wait_for_selector("#advice-my-answer")


def test_a_customer_asks_two_agencies_answer_and_the_chosen_one_is_revealed(
    browser, page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    line = Line.objects.get(code="third_party")
    create_user(mobile=MOBILE, first_name="سارا", last_name="کریمی")
    first = create_agency(
        code=685,
        name="نمایندگی خلیلی",
        latitude="35.700000",
        longitude="51.400000",
        phone="021-88001234",
        address="خیابان ولیعصر، پلاک ۱۰",
    )
    second = create_agency(
        code=686, name="نمایندگی ونک", latitude="35.720000", longitude="51.420000"
    )
    site = f"http://localhost:{site_port}"

    # The customer: the home's button, the SMS login, the form (city instead of the map).
    page.goto(site + "/")
    page.click("#home-advice")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _login_with_sms(page, site)
    page.wait_for_url(re.compile(r"/advice/new/$"))
    page.select_option("select[name=line]", str(line.pk))
    page.fill("textarea[name=note]", "برای پراید مدل ۹۸ بیمه شخص ثالث می‌خواهم")
    page.fill("input[name=province]", "تهران")
    page.fill("input[name=city]", "تهران")
    page.click("#advice-submit")
    page.wait_for_url(re.compile(r"/advice/\d+/$"))
    assert page.is_visible("#no-answers")
    request = AdviceRequest.objects.get(customer__mobile=MOBILE)
    assert set(request.offers.values_list("agency_id", flat=True)) == {first.pk, second.pk}
    assert SmsMessage.objects.filter(kind="advice_offer").count() == 2

    # Both agencies answer in their panels, seeing neither the customer nor each other.
    panel_first = _panel_tab(browser, first.memberships.get().user, site_port, "/advice/")
    panel_second = _panel_tab(browser, second.memberships.get().user, site_port, "/advice/")
    panel_first.wait_for_selector("#advice-badge [data-count='1']")
    _answer(panel_first, request.pk, "پیشنهاد ما پوشش کامل با تخفیف عدم خسارت است", "۶۵٬۰۰۰٬۰۰۰")
    _answer(panel_second, request.pk, "برای مشاوره رایگان در خدمت شما هستیم")
    assert SmsMessage.objects.filter(kind="advice_answered", to=MOBILE).count() == 1

    page.reload()
    page.wait_for_selector("#answer-2")
    answers = page.inner_text("#advice-answers")
    assert "نمایندگی ۱" in answers and "نمایندگی ۲" in answers
    assert "خلیلی" not in answers and "ونک" not in answers and "88001234" not in answers
    assert not page.is_visible("#advice-agency")
    page.screenshot(path=str(tmp_path / "answers.png"), full_page=True)

    # The customer accepts the first: its code, name, phone and address appear.
    page.click("#accept-1")
    page.wait_for_selector("#advice-agency")
    assert page.inner_text("#agency-name") == "نمایندگی خلیلی"
    assert to_latin_digits(page.inner_text("#agency-code")) == "685"
    assert to_latin_digits(page.inner_text("#agency-phone")) == "021-88001234"
    assert "ولیعصر" in page.inner_text("#agency-address")
    assert "ونک" not in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "accepted.png"), full_page=True)

    # The chosen agency sees the customer; the other sees the request closed.
    panel_first.reload()
    assert panel_first.inner_text("#customer-name") == "سارا کریمی"
    assert to_latin_digits(panel_first.inner_text("#customer-mobile")) == MOBILE
    panel_second.reload()
    assert not panel_second.is_visible("#advice-customer")
    assert "بسته شد" in panel_second.inner_text("#advice-state")
    assert "کریمی" not in panel_second.inner_text("main")

    # The customer rates the agency, once.
    page.select_option("select[name=score]", "5")
    page.click("#rate-submit")
    page.wait_for_selector("#advice-rating")
    assert not page.is_visible("#advice-rate")

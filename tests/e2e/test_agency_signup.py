"""Agency sign-up in a real browser (S-8.1): an applicant logs in with the SMS code, fills the
form on the map and accepts the terms, chooses the kind and lines and uploads the licence
photo; an operator sees the photo on the ops host and approves, and the new agency's site
answers while the owner gets the SMS."""

from __future__ import annotations

import re

import pytest

from core.models import SmsMessage
from onboarding.models import AgencyApplication
from policies.services.catalog import catalog_load
from tenants.models import Agency
from tests.e2e.test_buy import MOBILE, PNG, _login_with_sms
from tests.e2e.test_control import _ops_tab
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_signs_up_and_once_approved_the_agency_site_answers(
    browser, page, site_port, drop_schemas_after, tmp_path
):
    catalog_load()
    create_agency(code=685, name="نمایندگی خلیلی")
    operator = create_user(insurer_role="operator")
    site = f"http://localhost:{site_port}"

    # An agency's own site has no sign-up.
    assert page.goto(f"http://ar685.localhost:{site_port}/agency-signup/").status == 404

    page.goto(f"{site}/agency-signup/")
    page.click("#signup-start")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    _login_with_sms(page, site)
    page.wait_for_url(re.compile(r"/agency-signup/apply/$"))
    page.fill("input[name=first_name]", "مريم")  # Arabic yeh, stored as Persian
    page.fill("input[name=last_name]", "کاظمی")
    page.fill("input[name=national_code]", "۰۴۹۹۳۷۰۸۹۹")
    page.fill("input[name=agency_name]", "بیمه مریم")
    page.fill("input[name=province]", "تهران")
    page.fill("input[name=city]", "تهران")
    page.fill("textarea[name=address]", "خیابان ولیعصر، پلاک ۱۲")
    page.click("#location-map", position={"x": 120, "y": 120})
    assert page.input_value("input[name=latitude]")
    # Without the terms: refused, what was typed kept.
    page.click("#stage-one-submit")
    assert page.is_visible("text=مقررات را بخوانید و بپذیرید")
    assert page.input_value("input[name=agency_name]") == "بیمه مریم"
    page.check("input[name=accept_terms]")
    page.click("#stage-one-submit")
    page.wait_for_url(re.compile(r"/documents/$"))

    page.check("input[name=kind][value=agent]")
    page.check("input[name=line_codes][value=third_party]")
    page.fill("input[name=licence_number]", "۱۲۳۴۵۶")
    licence = tmp_path / "licence.png"
    licence.write_bytes(PNG)
    page.set_input_files("#licence-file", str(licence))
    page.click("#stage-two-submit")
    page.wait_for_selector("#application-detail[data-state=submitted]")
    application = AgencyApplication.objects.get(mobile=MOBILE)
    assert (application.first_name, application.licence_number) == ("مریم", "123456")

    ops = _ops_tab(browser, operator, site_port)
    ops.goto(f"http://ops.localhost:{site_port}/agency-applications/")
    ops.click(f"#application-{application.pk} a")
    ops.wait_for_selector("#licence-photo")
    # The photo loads after the page: wait (to a deadline) until the browser decoded it.
    ops.wait_for_function(
        "() => { const photo = document.querySelector('#licence-photo');"
        " return photo.complete && photo.naturalWidth > 0; }",
        timeout=30_000,
    )
    assert ops.evaluate("document.querySelector('#licence-photo').naturalWidth") > 0
    code = ops.input_value("input[name=code]")
    ops.click("#application-approve")
    ops.wait_for_selector(".alert-success")
    assert ops.get_attribute("#application", "data-state") == "approved"

    agency = Agency.objects.get(code=int(code))
    assert (agency.name, agency.status) == ("بیمه مریم", "active")
    response = page.goto(f"http://ar{agency.code}.localhost:{site_port}/")
    assert response.status == 200
    assert page.inner_text("#agency-name") == "بیمه مریم"
    assert SmsMessage.objects.filter(to=MOBILE, kind="agency_approved").count() == 1
    page.goto(f"{site}/agency-signup/{application.public_id}/")
    assert page.is_visible("#application-approved")
    ops.screenshot(path=str(tmp_path / "application.png"), full_page=True)

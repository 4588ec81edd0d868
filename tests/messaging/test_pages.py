"""The templates' panel pages: the list (search in any spelling, constant queries), the
editor (Persian errors, staff read only), the live preview with real values, parts and cost,
and another agency's ids answering 404."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.digits import to_persian_digits
from messaging.models import SmsTemplate
from messaging.services import sms_template_create
from tests.crm.conftest import inside, owner_of
from tests.messaging.conftest import PANEL

pytestmark = pytest.mark.django_db

PREVIEW = "/sms/templates/preview/"


def _template(agency, actor, name="یادآوری تمدید", body="سلام {نام مشتری}", line="service"):
    with inside(agency):
        return sms_template_create(agency=agency, actor=actor, name=name, body=body, line=line)


def _preview(client, body, line="service", **extra) -> str:
    response = client.post(PREVIEW, {"body": body, "line": line, **extra}, HTTP_HOST=PANEL)
    assert response.status_code == 200
    return response.content.decode()


def _shown(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">(.*?)<', html, re.S)
    assert match, element_id
    return match.group(1).strip()


@pytest.mark.parametrize(
    ("body", "parts", "left", "encoding"),
    [
        ("س" * 70, 1, 0, "فارسی"),
        ("س" * 71, 2, 63, "فارسی"),
        ("س" * 134, 2, 0, "فارسی"),
        ("س" * 135, 3, 66, "فارسی"),
        ("a" * 160, 1, 0, "لاتین"),
        ("a" * 161, 2, 145, "لاتین"),
    ],
)
def test_the_preview_counts_parts_at_the_boundaries_and_prices_one_message(
    owner_client, body, parts, left, encoding
):
    html = _preview(owner_client, body, line="promotional")
    assert _shown(html, "sms-chars") == to_persian_digits(len(body))
    assert _shown(html, "sms-parts") == to_persian_digits(parts)
    assert _shown(html, "sms-left") == to_persian_digits(left)
    assert _shown(html, "sms-encoding").startswith(encoding)
    price = settings.SMS_PART_PRICE_RIALS["promotional"] * parts
    assert _shown(html, "sms-cost") == f"{to_persian_digits(f'{price:,}').replace(',', '٬')} ریال"


def test_the_preview_shows_the_latest_insured_customers_real_values(owner_client, insured):
    html = _preview(owner_client, "{نام مشتری} عزیز، {حق بیمه} ریال تا {تاریخ انقضا}")
    assert "با اطلاعات مریم کاظمی" in html
    text = _shown(html, "sms-preview-text")
    assert text == "مریم کاظمی عزیز، ۱۲٬۳۴۵٬۰۰۰ ریال تا ۱۴۰۵/۱۲/۲۹"
    assert 'id="sms-preview-missing"' not in html
    assert _shown(html, "sms-parts") == "۱"


def test_the_preview_searches_another_customer_and_names_what_would_be_missing(
    owner_client, agency, insured
):
    with inside(agency):
        from crm.models import Customer

        Customer.objects.create(first_name="علی", last_name="رضایی", source="panel")
    html = _preview(owner_client, "{نام} عزیز، بیمه‌نامه {شماره بیمه‌نامه}", customer_q="علي")
    assert "با اطلاعات علی رضایی" in html
    assert _shown(html, "sms-preview-text") == "علی عزیز، بیمه‌نامه 1405-97-000123"
    assert "برای {شماره بیمه‌نامه} مقداری ندارد" in html


def test_the_preview_names_a_bad_placeholder(owner_client):
    html = _preview(owner_client, "سلام {نام مشتریان}")
    assert "متغیر {نام مشتریان} شناخته نیست" in html
    assert 'id="sms-parts"' not in html


def test_saving_with_an_unknown_placeholder_shows_the_persian_error_and_saves_nothing(
    owner_client, agency
):
    page = owner_client.get("/sms/templates/new/", HTTP_HOST=PANEL).content.decode()
    assert 'data-sms-placeholder="{نام مشتری}"' in page
    assert "customer_name" not in page  # users never see the keys
    response = owner_client.post(
        "/sms/templates/new/",
        {"name": "تولد", "body": "تولدت مبارک {نام کوچک}", "line": "promotional"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 200
    assert "متغیر {نام کوچک} شناخته نیست" in response.content.decode()
    with inside(agency):
        assert not SmsTemplate.objects.exists()
    response = owner_client.post(
        "/sms/templates/new/",
        {"name": "تولد", "body": "تولدت مبارک {نام}", "line": "promotional", "is_active": "on"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        assert SmsTemplate.objects.get().body == "تولدت مبارک {first_name}"


def test_the_editor_shows_persian_names_and_saves_a_change(owner_client, agency, owner):
    template = _template(agency, owner)
    url = f"/sms/templates/{template.pk}/"
    page = owner_client.get(url, HTTP_HOST=PANEL).content.decode()
    assert "سلام {نام مشتری}</textarea>" in page
    response = owner_client.post(
        url,
        {"name": "یادآوری", "body": "{نام مشتری} جان", "line": "service", "is_active": ""},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        template.refresh_from_db()
    assert (template.name, template.body, template.is_active) == (
        "یادآوری",
        "{customer_name} جان",
        False,
    )


def test_staff_can_view_and_preview_but_not_change(staff_client, agency):
    template = _template(agency, owner_of(agency))
    url = f"/sms/templates/{template.pk}/"
    assert "یادآوری تمدید" in staff_client.get("/sms/templates/", HTTP_HOST=PANEL).content.decode()
    page = staff_client.get(url, HTTP_HOST=PANEL).content.decode()
    assert "disabled" in page and 'id="sms-template-save"' not in page
    # Disabled fields are not posted: the preview reads the stored template (sample values,
    # the agency having no customer yet).
    response = staff_client.post(PREVIEW, {"template": template.pk}, HTTP_HOST=PANEL)
    assert _shown(response.content.decode(), "sms-preview-text") == "سلام علی رضایی"
    refused = staff_client.post(url, {"name": "x", "body": "x", "line": "service"}, HTTP_HOST=PANEL)
    assert refused.status_code == 403
    assert staff_client.get("/sms/templates/new/", HTTP_HOST=PANEL).status_code == 403
    assert (
        staff_client.post(f"/sms/templates/{template.pk}/delete/", HTTP_HOST=PANEL).status_code
        == 403
    )
    with inside(agency):
        template.refresh_from_db()
    assert (template.name, template.body) == ("یادآوری تمدید", "سلام {customer_name}")


def test_another_agencys_template_is_404(client, agency, other_agency):
    for n in range(2):  # A's id runs past B's own templates
        _template(agency, owner_of(agency), name=f"A{n}")
    template = _template(agency, owner_of(agency))
    with inside(other_agency):  # B has templates of its own, with lower ids
        for n in range(2):
            sms_template_create(
                agency=other_agency,
                actor=owner_of(other_agency),
                name=f"B{n}",
                body="x",
                line="service",
            )
    client.force_login(owner_of(other_agency))
    for path in (f"/sms/templates/{template.pk}/", f"/sms/templates/{template.pk}/delete/"):
        assert client.get(path, HTTP_HOST=PANEL).status_code in (404, 405)
        assert client.post(path, {"name": "x", "body": "x"}, HTTP_HOST=PANEL).status_code == 404
    listed = client.get("/sms/templates/", HTTP_HOST=PANEL).content.decode()
    assert "یادآوری تمدید" not in listed
    with inside(agency):
        assert SmsTemplate.objects.filter(pk=template.pk, name="یادآوری تمدید").exists()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_and_40_and_searches_any_spelling(
    owner_client, agency, owner, staff_member
):
    for n in range(3):
        _template(agency, owner, name=f"قالب {n}")
    _queries(owner_client, "/sms/templates/")  # the first request fills caches
    few = _queries(owner_client, "/sms/templates/")
    for n in range(37):
        _template(agency, staff_member.user if n % 2 else owner, name=f"الگو {n}")
    many = _queries(owner_client, "/sms/templates/")
    assert few == many
    _template(agency, owner, name="يادآوري تمديد")
    found = owner_client.get("/sms/templates/?q=یادآوری", HTTP_HOST=PANEL).content.decode()
    assert "یادآوری تمدید" in found and "قالب 1" not in found

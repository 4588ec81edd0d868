"""Contact patterns' pages: owners and managers make, switch and delete patterns (audited),
see who gets one tomorrow; staff and other agencies cannot; queries do not grow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.jalali import tehran
from core.models import AuditLog
from core.sms.parts import Line
from crm.models import BookPolicy, Customer
from messaging.models import SmsTemplate
from messaging.patterns.models import PatternOccurrence, SmsPattern
from tests.crm.conftest import inside, owner_of
from tests.visible_text import visible_texts


def visible_text(html: str) -> str:
    return " ".join(visible_texts(html))


pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


def _tomorrow() -> dt.date:
    return timezone.now().astimezone(tehran()).date() + dt.timedelta(days=1)


@pytest.fixture
def template(agency):
    with inside(agency):
        return SmsTemplate.objects.create(
            name="دعوت تمدید",
            body="{customer_name} عزیز، بیمه‌نامه {policy_number} در {expiry_date} تمام می‌شود.",
            line=Line.SERVICE,
        )


def _due_customer(agency, *, index: int = 0, consent: bool = True) -> Customer:
    with inside(agency):
        customer = Customer.objects.create(
            first_name="مریم",
            last_name=f"کاظمی{index}",
            source="panel",
            mobile=f"0912111{index:04d}",
            sms_consent=consent,
        )
        end = _tomorrow() + dt.timedelta(days=30)
        BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code="crm_motor",
            number=f"IR-{index}",
            start_date=end - dt.timedelta(days=365),
            end_date=end,
            premium=Decimal(1_000_000),
        )
    return customer


def test_an_owner_makes_a_30_day_pattern_and_sees_who_gets_it_tomorrow(
    client, agency, template, sale_line
):
    _due_customer(agency, index=1)
    _due_customer(agency, index=2, consent=False)
    client.force_login(owner_of(agency))
    response = client.post(
        "/sms/patterns/new/",
        {
            "name": "دعوت به تمدید ۳۰ روزه",
            "event": "expiry_before",
            "offset_days": "۳۰",
            "template": template.pk,
            "send_time": "۱۰:۳۰",
            "line_code": "",
            "is_active": "on",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with inside(agency):
        pattern = SmsPattern.objects.get()
    assert (pattern.offset_days, pattern.send_time, pattern.is_active) == (
        30,
        dt.time(10, 30),
        True,
    )
    assert AuditLog.objects.filter(action="sms_pattern.created", agency_id=agency.pk).exists()
    page = client.get(f"/sms/patterns/{pattern.pk}/", HTTP_HOST=PANEL)
    text = visible_text(page.content.decode())
    assert "مریم کاظمی1" in text or "مریم کاظمی۱" in text
    assert "IR-1" in text or "IR-۱" in text
    assert "رضایت" in text  # the other one is skipped for want of consent, said in Persian
    with inside(agency):
        assert not PatternOccurrence.objects.exists()  # a preview records nothing
    listing = client.get("/sms/patterns/", HTTP_HOST=PANEL)
    assert "دعوت به تمدید ۳۰ روزه" in listing.content.decode()


def test_bad_input_is_told_in_persian_and_saves_nothing(client, agency, template):
    client.force_login(owner_of(agency))
    response = client.post(
        "/sms/patterns/new/",
        {
            "name": "",
            "event": "expiry_before",
            "offset_days": "۴۰۰",
            "template": template.pk,
            "send_time": "۲۵:۰۰",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "۰ تا ۳۶۵" in text or "365" in text
    with inside(agency):
        assert not SmsPattern.objects.exists()


def test_switching_off_and_deleting_are_audited(client, agency, template):
    with inside(agency):
        pattern = SmsPattern.objects.create(
            name="p", event="expiry_before", offset_days=30, template=template, is_active=True
        )
    client.force_login(owner_of(agency))
    client.post(f"/sms/patterns/{pattern.pk}/switch/", {"on": "0"}, HTTP_HOST=PANEL)
    with inside(agency):
        assert SmsPattern.objects.get().is_active is False
    assert AuditLog.objects.filter(action="sms_pattern.switched").count() == 1
    client.post(f"/sms/patterns/{pattern.pk}/delete/", HTTP_HOST=PANEL)
    with inside(agency):
        assert not SmsPattern.objects.exists()
    assert AuditLog.objects.filter(action="sms_pattern.deleted").exists()


def test_a_switched_off_template_cannot_be_used(client, agency, template):
    with inside(agency):
        pattern = SmsPattern.objects.create(
            name="p", event="expiry_before", offset_days=30, template=template
        )
        SmsTemplate.objects.filter(pk=template.pk).update(is_active=False)
    client.force_login(owner_of(agency))
    client.post(f"/sms/patterns/{pattern.pk}/switch/", {"on": "1"}, HTTP_HOST=PANEL)
    with inside(agency):
        assert SmsPattern.objects.get().is_active is False


def test_staff_cannot_manage_patterns(client, agency, staff_member, template):
    client.force_login(staff_member.user)
    assert client.get("/sms/patterns/", HTTP_HOST=PANEL).status_code == 403


def test_another_agency_s_pattern_is_not_found(client, agency, other_agency, template):
    with inside(agency):
        pattern = SmsPattern.objects.create(
            name="p", event="expiry_before", offset_days=30, template=template
        )
    client.force_login(owner_of(other_agency))
    assert client.get(f"/sms/patterns/{pattern.pk}/", HTTP_HOST=PANEL).status_code == 404
    assert client.post(f"/sms/patterns/{pattern.pk}/delete/", HTTP_HOST=PANEL).status_code == 404
    with inside(agency):
        assert SmsPattern.objects.exists()


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, HTTP_HOST=PANEL).status_code == 200
    return len(queries)


def test_the_list_and_the_preview_cost_the_same_queries_for_more_rows(
    client, agency, template, sale_line
):
    client.force_login(owner_of(agency))
    with inside(agency):
        pattern = SmsPattern.objects.create(
            name="p", event="expiry_before", offset_days=31, template=template, is_active=True
        )
    _due_customer(agency, index=1)
    _queries(client, "/sms/patterns/")  # warm: session, agency, caches
    _queries(client, f"/sms/patterns/{pattern.pk}/")
    few_list, few_detail = (
        _queries(client, "/sms/patterns/"),
        _queries(client, f"/sms/patterns/{pattern.pk}/"),
    )
    with inside(agency):
        for index in range(2, 6):
            SmsPattern.objects.create(
                name=f"p{index}", event="cheque_due", offset_days=index, template=template
            )
    for index in range(2, 30):
        _due_customer(agency, index=index)
    assert _queries(client, "/sms/patterns/") == few_list
    assert _queries(client, f"/sms/patterns/{pattern.pk}/") == few_detail

"""Site and line control (S-1.5): a branch manager asks, another operator decides; the
change applies at once, the agency is texted, and the request keeps who and when."""

from __future__ import annotations

import json
import re

import pytest

from core.models import AuditLog, SmsMessage
from policies.services.catalog import catalog_load
from tenants.models import Agency, ControlRequest
from tests.factories import create_user

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"


@pytest.fixture
def manager(db):
    return create_user(insurer_role="branch_manager", first_name="مدیر", last_name="شعب")


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator", first_name="کارشناس", last_name="شعبه")


def file(client, manager, **data) -> int:
    client.force_login(manager)
    response = client.post(
        "/control/", {"agency": "685", "reason": "بدهی معوق به بیمه‌گر", **data}, HTTP_HOST=OPS
    )
    return response.status_code


def decide(client, operator, decision="approve", note="") -> int:
    client.force_login(operator)
    item = ControlRequest.objects.latest("id")
    return client.post(
        f"/control/{item.pk}/decide/", {"decision": decision, "note": note}, HTTP_HOST=OPS
    ).status_code


def test_deactivating_a_site_end_to_end(client, agency, manager, operator):
    assert client.get("/", HTTP_HOST="ar685.localhost").status_code == 200
    assert file(client, manager, kind="site_off") == 302
    item = ControlRequest.objects.get()
    assert (item.state, item.requested_by) == ("pending", manager)
    agency.refresh_from_db()
    assert agency.status == Agency.Status.ACTIVE  # nothing happens before a decision
    assert decide(client, operator) == 302
    item.refresh_from_db()
    assert (item.state, item.decided_by) == ("approved", operator) and item.decided_at
    agency.refresh_from_db()
    assert agency.status == Agency.Status.SUSPENDED
    client.logout()
    response = client.get("/", HTTP_HOST="ar685.localhost")
    assert response.status_code == 410  # the "not active" page, at once
    sms = SmsMessage.objects.get(kind="site_control")
    assert sms.to == "09121234567" and "بدهی معوق" in sms.body
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"control.requested", "control.approved", "agency.status"} <= actions
    # History on the page: who asked, who decided.
    client.force_login(operator)
    page = client.get("/control/?state=approved", HTTP_HOST=OPS).content.decode()
    assert "مدیر شعب" in page or manager.mobile in page
    assert "کارشناس شعبه" in page or operator.mobile in page


def test_reactivating(client, agency, manager, operator):
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    file(client, manager, kind="site_on", reason="بدهی تسویه شد")
    decide(client, operator)
    assert client.get("/", HTTP_HOST="ar685.localhost").status_code == 200


def test_restricting_and_allowing_a_line(client, agency, other_agency, manager, operator):
    catalog_load()
    assert "travel" in client.get("/api/lines/", HTTP_HOST="ar685.localhost").content.decode()
    file(client, manager, kind="line_off", line_code="travel", reason="نمایندگی مجوز سفر ندارد")
    decide(client, operator)
    client.logout()
    lines = client.get("/api/lines/", HTTP_HOST="ar685.localhost").content.decode()
    assert '"travel"' not in lines
    refused = client.post(
        "/api/quotes/",
        json.dumps({"line": "travel", "answers": {}}),
        content_type="application/json",
        HTTP_HOST="ar685.localhost",
    )
    assert refused.status_code == 422 and re.search("[\u0600-\u06ff]", refused.content.decode())
    assert client.get("/insurance/travel/", HTTP_HOST="ar685.localhost").status_code == 404
    assert '"travel"' in client.get("/api/lines/", HTTP_HOST="ar686.localhost").content.decode()
    assert "سفر" in SmsMessage.objects.get(kind="site_control").body
    file(client, manager, kind="line_on", line_code="travel", reason="مجوز صادر شد")
    decide(client, operator)
    client.logout()
    assert '"travel"' in client.get("/api/lines/", HTTP_HOST="ar685.localhost").content.decode()


def test_a_rejection_needs_a_note_and_changes_nothing(client, agency, manager, operator):
    file(client, manager, kind="site_off")
    decide(client, operator, decision="reject")
    assert ControlRequest.objects.get().state == "pending"  # refused: no note
    decide(client, operator, decision="reject", note="مدارک کافی نیست")
    item = ControlRequest.objects.get()
    assert (item.state, item.decision_note) == ("rejected", "مدارک کافی نیست")
    agency.refresh_from_db()
    assert agency.status == Agency.Status.ACTIVE
    assert not SmsMessage.objects.filter(kind="site_control").exists()
    assert decide(client, operator) == 302
    assert ControlRequest.objects.get().state == "rejected"  # decided once only


def test_nobody_decides_their_own_request(client, agency):
    admin = create_user(insurer_role="admin")
    file(client, admin, kind="site_off")
    decide(client, admin)
    assert ControlRequest.objects.get().state == "pending"
    agency.refresh_from_db()
    assert agency.status == Agency.Status.ACTIVE


def test_roles(client, agency, manager, operator):
    client.force_login(operator)
    assert (
        client.post(
            "/control/", {"agency": "685", "kind": "site_off", "reason": "xxxxx"}, HTTP_HOST=OPS
        ).status_code
        == 404
    )
    file(client, manager, kind="site_off")
    decide(client, manager)  # a branch manager does not decide
    assert ControlRequest.objects.get().state == "pending"
    client.force_login(agency.memberships.get().user)
    assert client.get("/control/", HTTP_HOST=OPS).status_code == 404


@pytest.mark.parametrize(
    "data,field",
    [
        ({"kind": "site_on"}, "kind"),  # already active
        ({"kind": "site_off", "reason": "کوتاه"[:3]}, "reason"),
        ({"kind": "line_off", "line_code": ""}, "line_code"),
        ({"kind": "site_off", "agency": "999999"}, "agency"),
    ],
)
def test_bad_requests_are_explained_in_persian(client, agency, manager, data, field):
    client.force_login(manager)
    response = client.post(
        "/control/", {"agency": "685", "reason": "دلیل کافی", **data}, HTTP_HOST=OPS
    )
    assert response.status_code == 400
    errors = re.findall(r'invalid-feedback d-block">([^<]+)<', response.content.decode())
    assert errors and all(re.search("[\u0600-\u06ff]", error) for error in errors)
    assert not ControlRequest.objects.exists()


def test_the_same_request_cannot_wait_twice(client, agency, manager):
    file(client, manager, kind="site_off")
    assert file(client, manager, kind="site_off") == 400
    assert ControlRequest.objects.count() == 1

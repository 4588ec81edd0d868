"""S-1.4: POST /api/agencies/ for insurer operators."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context, schema_exists

from accounts.models import AgencyMembership, User
from core.models import AuditLog
from tenants.content.models import SiteSettings
from tenants.models import Agency, Domain
from tests.factories import create_user

pytestmark = pytest.mark.django_db

URL = "/api/agencies/"
PAYLOAD = {
    "code": 685,
    "name": "نمایندگی خلیلی",
    "kind": "agent",
    "latitude": "35.700000",
    "longitude": "51.400000",
    "owner_mobile": "09121234567",
    "city": "تهران",
}


def _post(client, payload):
    return client.post(URL, payload, content_type="application/json", HTTP_HOST="localhost")


def _snapshot() -> tuple[int, int, int, int, int]:
    return (
        Agency.objects.count(),
        Domain.objects.count(),
        AgencyMembership.objects.count(),
        User.objects.count(),
        AuditLog.objects.count(),
    )


def test_operator_creates_an_agency(client):
    operator = create_user(insurer_role=User.InsurerRole.OPERATOR)
    client.force_login(operator)
    response = _post(client, PAYLOAD)
    assert response.status_code == 201, response.content
    agency = Agency.objects.get(code=685)
    assert response.json() == {
        "id": agency.pk,
        "code": 685,
        "name": "نمایندگی خلیلی",
        "kind": "agent",
        "status": "active",
        "schema_name": "ar685",
        "site_url": "http://ar685.localhost:8000/",
    }
    assert agency.city == "تهران"
    assert schema_exists("ar685")
    with schema_context("ar685"):
        assert SiteSettings.objects.count() == 1
    assert AgencyMembership.objects.get(agency=agency).role == "owner"
    assert AuditLog.objects.get(action="agency.create").actor_id == operator.pk


def test_persian_digits_are_accepted(client):
    client.force_login(create_user(insurer_role=User.InsurerRole.OPERATOR))
    response = _post(
        client,
        {
            **PAYLOAD,
            "code": "۶۸۵",
            "latitude": "۳۵.۷",
            "longitude": "۵۱.۴",
            "owner_mobile": "۰۹۱۲۱۲۳۴۵۶۷",
        },
    )
    assert response.status_code == 201, response.content
    agency = Agency.objects.get(code=685)
    assert (str(agency.latitude), str(agency.longitude)) == ("35.700000", "51.400000")
    assert AgencyMembership.objects.get(agency=agency).user.mobile == "09121234567"


@pytest.mark.parametrize("role", ["", "marketing"])
def test_customers_and_other_staff_get_403(client, role):
    client.force_login(create_user(insurer_role=role))
    before = _snapshot()
    response = _post(client, PAYLOAD)
    assert response.status_code == 403
    assert _snapshot() == before


def test_anonymous_gets_401(client):
    before = _snapshot()
    response = _post(client, PAYLOAD)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert _snapshot() == before


def test_bad_input_gives_400_with_field_errors_and_changes_nothing(client):
    client.force_login(create_user(insurer_role=User.InsurerRole.OPERATOR))
    before = _snapshot()
    response = _post(client, {**PAYLOAD, "kind": "bank", "latitude": "95", "code": "x", "name": ""})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"kind", "latitude", "code", "name"}
    assert _snapshot() == before


def test_invalid_mobile_gives_400(client):
    client.force_login(create_user(insurer_role=User.InsurerRole.OPERATOR))
    before = _snapshot()
    response = _post(client, {**PAYLOAD, "owner_mobile": "12345"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "owner_mobile": ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."]
    }
    assert _snapshot() == before


def test_duplicate_code_gives_409_and_changes_nothing(client, agency):
    client.force_login(create_user(insurer_role=User.InsurerRole.ADMIN))
    before = _snapshot()
    response = _post(client, {**PAYLOAD, "name": "دیگری", "owner_mobile": "09351234567"})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "نمایندگی دیگری با این کد وجود دارد.",
        "code": "conflict",
        "fields": {"code": ["نمایندگی دیگری با این کد وجود دارد."]},
    }
    assert _snapshot() == before
    assert Agency.objects.get(code=685).name == "نمایندگی خلیلی"

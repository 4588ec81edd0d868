"""Who sees the reports and the audit log: every insurer role reads the reports; the audit
log is for operators, branch managers and administrators; everyone else gets 404 and
anonymous visitors log in first."""

from __future__ import annotations

import pytest

from accounts.models import AgencyMembership
from tests.factories import create_user
from tests.reports.conftest import OPS, make_agency

pytestmark = pytest.mark.django_db

REPORTS = ("/reports/", "/reports/sales/", "/reports/referrals/", "/reports/settlement/")
EVERY_ROLE = ("operator", "branch_manager", "marketing", "admin")


@pytest.mark.parametrize("role", EVERY_ROLE)
@pytest.mark.parametrize("url", REPORTS)
def test_every_insurer_role_reads_the_reports(client, role, url):
    client.force_login(create_user(insurer_role=role))
    assert client.get(url, HTTP_HOST=OPS).status_code == 200
    if url != "/reports/":
        response = client.get(url, {"format": "xlsx"}, HTTP_HOST=OPS)
        assert response.status_code == 200 and response.content[:2] == b"PK"


@pytest.mark.parametrize(
    "role,status",
    [*[(role, 200) for role in ("operator", "branch_manager", "admin")], ("marketing", 404)],
)
def test_the_audit_log_is_not_for_marketing(client, role, status):
    client.force_login(create_user(insurer_role=role))
    assert client.get("/audit/", HTTP_HOST=OPS).status_code == status
    assert client.get("/audit/", {"format": "xlsx"}, HTTP_HOST=OPS).status_code == status


@pytest.mark.parametrize("url", [*REPORTS, "/audit/"])
def test_agency_staff_and_customers_get_404(client, url):
    agency = make_agency(code=7301)
    owner = create_user()
    AgencyMembership.objects.create(agency=agency, user=owner, role=AgencyMembership.Role.OWNER)
    for person in (owner, create_user()):
        client.force_login(person)
        assert client.get(url, HTTP_HOST=OPS).status_code == 404
        assert client.get(url, {"format": "xlsx"}, HTTP_HOST=OPS).status_code == 404


@pytest.mark.parametrize("url", [*REPORTS, "/audit/"])
def test_anonymous_visitors_log_in_first(client, url):
    response = client.get(url, HTTP_HOST=OPS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_superuser_sees_both(client):
    client.force_login(create_user(is_superuser=True, is_staff=True))
    assert client.get("/reports/sales/", HTTP_HOST=OPS).status_code == 200
    assert client.get("/audit/", HTTP_HOST=OPS).status_code == 200


def test_the_index_links_the_three_reports(client):
    client.force_login(create_user(insurer_role="marketing"))
    html = client.get("/reports/", HTTP_HOST=OPS).content.decode()
    for url in REPORTS[1:]:
        assert f'href="{url}"' in html

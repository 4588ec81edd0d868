"""The agency panel (panel.localhost): only members reach an agency's panel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse

from accounts.models import AgencyMembership, User
from accounts.services import membership_add, membership_deactivate
from tenants.panel.base import SESSION_AGENCY, panel_view
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"


@pytest.fixture
def owner(agency):
    return User.objects.get(mobile="09121234567")


def _dashboard(client):
    return client.get("/", HTTP_HOST=PANEL)


def _switch(client, agency_id: int):
    return client.post(f"/switch/{agency_id}/", HTTP_HOST=PANEL)


def test_anonymous_is_sent_to_login_and_back(client, agency):
    response = _dashboard(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    login = client.get("/login/", HTTP_HOST=PANEL)
    assert login["Location"] == "/accounts/login/?next=%2F"
    page = client.get("/accounts/login/?next=/", HTTP_HOST=PANEL)
    assert page.status_code == 200
    assert b'name="next" value="/"' in page.content


def test_member_sees_own_agency_dashboard(client, agency, other_agency, owner):
    client.force_login(owner)
    response = _dashboard(client)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="panel-dashboard"' in content
    assert agency.name in content and "۶۸۵" in content
    assert other_agency.name not in content
    assert '<span class="badge text-bg-secondary">مالک</span>' in content  # role, in Persian
    assert client.session[SESSION_AGENCY] == agency.pk


def test_non_member_gets_404(client, agency):
    client.force_login(create_user())
    assert _dashboard(client).status_code == 404
    assert SESSION_AGENCY not in client.session


def test_deactivated_member_gets_404(client, agency):
    membership = membership_add(agency=agency, mobile="09351112233", role="staff", actor=None)
    client.force_login(membership.user)
    assert _dashboard(client).status_code == 200
    membership_deactivate(membership=membership, actor=None)
    assert _dashboard(client).status_code == 404


def test_switching_to_a_foreign_agency_is_404_and_changes_nothing(
    client, agency, other_agency, owner
):
    client.force_login(owner)
    _dashboard(client)
    assert _switch(client, other_agency.pk).status_code == 404
    assert _switch(client, 999999).status_code == 404
    assert client.session[SESSION_AGENCY] == agency.pk
    assert agency.name.encode() in _dashboard(client).content


def test_anonymous_switch_is_404(client, agency):
    assert _switch(client, agency.pk).status_code == 404


def test_switch_needs_post(client, agency, owner):
    client.force_login(owner)
    assert client.get(f"/switch/{agency.pk}/", HTTP_HOST=PANEL).status_code == 405


def test_member_of_two_agencies_can_switch(client, agency, other_agency, owner):
    membership_add(agency=other_agency, mobile=owner.mobile, role="manager", actor=None)
    client.force_login(owner)
    first = _dashboard(client).content.decode()
    assert agency.name in first
    assert f'action="/switch/{other_agency.pk}/"' in first

    response = _switch(client, other_agency.pk)
    assert response.status_code == 302
    assert response["Location"] == "/"
    second = _dashboard(client).content.decode()
    assert 'id="panel-agency">' + other_agency.name in second
    assert '<span class="badge text-bg-secondary">مدیر</span>' in second
    assert client.session[SESSION_AGENCY] == other_agency.pk

    _switch(client, agency.pk)
    assert 'id="panel-agency">' + agency.name in _dashboard(client).content.decode()


def test_chosen_agency_falls_back_when_membership_ends(client, agency, other_agency, owner):
    membership = membership_add(agency=other_agency, mobile=owner.mobile, role="staff", actor=None)
    client.force_login(owner)
    _switch(client, other_agency.pk)
    membership_deactivate(membership=membership, actor=None)
    content = _dashboard(client).content.decode()
    assert 'id="panel-agency">' + agency.name in content
    assert client.session[SESSION_AGENCY] == agency.pk


def test_panel_view_runs_in_the_agency_schema_and_leaves_public(rf, agency, owner):
    seen = {}

    @panel_view
    def probe(request):
        seen["schema"] = connection.schema_name
        seen["agency"] = request.agency
        seen["role"] = request.membership.role
        return HttpResponse("ok")

    request = rf.get("/", HTTP_HOST=PANEL)
    request.user = owner
    request.session = {}
    assert probe(request).status_code == 200
    assert seen == {"schema": "ar685", "agency": agency, "role": AgencyMembership.Role.OWNER}
    assert connection.schema_name == "public"

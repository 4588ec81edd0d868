"""S-1.2: each host reaches its own site, and only its own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Agency, Domain
from tenants.services import agency_set_status

pytestmark = pytest.mark.django_db


def test_bare_domain_and_www_serve_the_main_site(client):
    for host in ("localhost", "www.localhost"):
        response = client.get("/", HTTP_HOST=host)
        assert response.status_code == 200
        assert b'id="main-home"' in response.content


def test_agency_host_serves_that_agency_only(client, agency, other_agency):
    first = client.get("/", HTTP_HOST="ar685.localhost")
    second = client.get("/", HTTP_HOST="ar686.localhost")
    assert first.status_code == second.status_code == 200
    assert agency.name.encode() in first.content
    assert other_agency.name.encode() not in first.content
    assert other_agency.name.encode() in second.content
    assert agency.name.encode() not in second.content


def test_unknown_agency_host_gets_persian_not_active_page(client):
    response = client.get("/", HTTP_HOST="ar999.localhost")
    assert response.status_code == 404
    assert "این سایت فعال نیست".encode() in response.content


def test_suspended_agency_gets_410_and_keeps_its_data(client, agency):
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None, reason="test")
    response = client.get("/", HTTP_HOST="ar685.localhost")
    assert response.status_code == 410
    assert "این سایت فعال نیست".encode() in response.content
    assert agency.name.encode() not in response.content
    assert Domain.objects.filter(tenant=agency).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ar685.content_page")
        assert cursor.fetchone()[0] == 2


def test_pending_agency_gets_404(client, agency):
    agency_set_status(agency=agency, status=Agency.Status.PENDING, actor=None)
    assert client.get("/", HTTP_HOST="ar685.localhost").status_code == 404


def test_warm_request_makes_no_domain_query(client, agency):
    client.get("/", HTTP_HOST="ar685.localhost")  # warms the host cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", HTTP_HOST="ar685.localhost")
    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]
    assert not [q for q in queries.captured_queries if "tenants_agency" in q["sql"]]


def test_change_to_agency_is_seen_at_once(client, agency):
    client.get("/", HTTP_HOST="ar685.localhost")
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    assert client.get("/", HTTP_HOST="ar685.localhost").status_code == 410
    agency_set_status(agency=agency, status=Agency.Status.ACTIVE, actor=None)
    assert client.get("/", HTTP_HOST="ar685.localhost").status_code == 200


def test_new_domain_is_seen_at_once_after_a_miss(client, agency):
    assert client.get("/", HTTP_HOST="khalili.localhost").status_code == 404
    Domain.objects.create(domain="khalili.localhost", tenant=agency, is_primary=False)
    response = client.get("/", HTTP_HOST="khalili.localhost")
    assert response.status_code == 200
    assert agency.name.encode() in response.content


def test_healthz_answers_on_any_host(client):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "broker": "ok"}


def test_main_site_lists_active_agencies_with_their_addresses(client, agency, other_agency):
    agency_set_status(agency=other_agency, status=Agency.Status.SUSPENDED, actor=None)
    response = client.get("/", HTTP_HOST="localhost")
    assert b'href="http://ar685.localhost:8000/"' in response.content
    assert agency.name.encode() in response.content
    assert other_agency.name.encode() not in response.content


def test_main_site_title_is_plain_text(client, agency):
    response = client.get("/", HTTP_HOST="localhost")
    title = response.content.decode().split("<title>")[1].split("</title>")[0]
    assert "<" not in title
    assert title == "بیمه آنلاین — استعلام، خرید و دریافت بیمه‌نامه"

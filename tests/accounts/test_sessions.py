"""One login is valid on every host: the session cookie belongs to the parent domain."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

from accounts.services import membership_add
from tenants.models import Domain
from tests.accounts.conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db


def test_cookie_is_set_for_the_parent_domain(client, agency):
    """With a real domain the session cookie belongs to the parent domain, so one login
    serves the main site, every agency site and the panel."""
    Domain.objects.create(domain="ar685.bimeh.example", tenant=agency, is_primary=False)
    with override_settings(
        BASE_DOMAIN="bimeh.example",
        SESSION_COOKIE_DOMAIN="bimeh.example",
        CSRF_COOKIE_DOMAIN="bimeh.example",
        ALLOWED_HOSTS=[".bimeh.example"],
    ):
        client.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="ar685.bimeh.example")
        response = client.post(
            "/accounts/login/verify/", {"code": last_code()}, HTTP_HOST="ar685.bimeh.example"
        )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["domain"] == "bimeh.example"
    assert cookie["httponly"] is True
    assert cookie["path"] == "/"


def test_on_bare_localhost_cookies_stay_on_their_host(client, agency):
    """Browsers refuse a cookie for the whole of "localhost": there the cookie is host-only
    rather than refused (which would break every form's CSRF check)."""
    assert settings.BASE_DOMAIN == "localhost"
    assert settings.SESSION_COOKIE_DOMAIN is None
    assert settings.CSRF_COOKIE_DOMAIN is None
    client.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="ar685.localhost")
    response = client.post(
        "/accounts/login/verify/", {"code": last_code()}, HTTP_HOST="ar685.localhost"
    )
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["domain"] == ""


def test_login_on_an_agency_site_is_valid_on_main_site_and_panel(client, agency):
    membership_add(agency=agency, mobile=MOBILE, role="staff", actor=None)
    client.post(
        "/api/auth/otp/request/",
        {"mobile": MOBILE},
        content_type="application/json",
        HTTP_HOST="ar685.localhost",
    )
    response = client.post(
        "/api/auth/otp/verify/",
        {"mobile": MOBILE, "code": last_code()},
        content_type="application/json",
        HTTP_HOST="ar685.localhost",
    )
    assert response.status_code == 200
    session_id = response.cookies[settings.SESSION_COOKIE_NAME].value

    # A browser sends a parent-domain cookie to every host; so does this fresh client.
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session_id
    me = browser.get("/api/auth/me/", HTTP_HOST="localhost")
    assert me.status_code == 200
    assert me.json()["mobile"] == MOBILE
    assert browser.get("/api/auth/me/", HTTP_HOST="ar685.localhost").json()["mobile"] == MOBILE
    profile = browser.get("/accounts/profile/", HTTP_HOST="localhost")
    assert profile.status_code == 200
    assert "۰۹۳۵۱۲۳۴۵۶۷".encode() in profile.content
    panel = browser.get("/", HTTP_HOST="panel.localhost")
    assert panel.status_code == 200
    assert agency.name.encode() in panel.content

    # Without the cookie nobody is logged in.
    stranger = Client()
    assert stranger.get("/api/auth/me/", HTTP_HOST="localhost").status_code == 401
    assert stranger.get("/", HTTP_HOST="panel.localhost").status_code == 302


def test_logout_on_one_host_ends_the_session_everywhere(client):
    client.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="localhost")
    client.post("/accounts/login/verify/", {"code": last_code()}, HTTP_HOST="localhost")
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/logout/", HTTP_HOST="localhost")
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session_id
    assert browser.get("/api/auth/me/", HTTP_HOST="localhost").status_code == 401
    profile = browser.get("/accounts/profile/", HTTP_HOST="panel.localhost")
    assert profile.status_code == 302
    assert profile["Location"].startswith("/accounts/login/")


def test_login_rotates_the_session_key(client):
    client.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="localhost")
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/accounts/login/verify/", {"code": last_code()}, HTTP_HOST="localhost")
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before

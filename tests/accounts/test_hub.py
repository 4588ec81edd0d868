"""The login hub: one login on every host where the cookie cannot cover them all.

Each Client below is one host's cookie jar, as a browser keeps host-only cookies.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from accounts.services import membership_add
from tests.accounts.conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hub_on(settings):
    settings.LOGIN_HUB_ENABLED = True
    settings.SESSION_COOKIE_DOMAIN = None


def _follow(client: Client, location: str):
    parts = urlsplit(location)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.get(path, HTTP_HOST=parts.hostname)


def _login_on_agency_site(agency_client: Client):
    agency_client.post(
        "/accounts/login/?hub=none", {"mobile": MOBILE, "next": "/"}, HTTP_HOST="ar685.localhost"
    )
    return agency_client.post(
        "/accounts/login/verify/", {"code": last_code(), "next": "/"}, HTTP_HOST="ar685.localhost"
    )


def test_a_login_on_an_agency_site_is_shared_with_the_hub_and_other_hosts(agency):
    membership_add(agency=agency, mobile=MOBILE, role="staff", actor=None)
    agency_site, main_site, panel = Client(), Client(), Client()

    verified = _login_on_agency_site(agency_site)
    assert verified.status_code == 302
    hop = urlsplit(verified["Location"])
    assert hop.hostname == "localhost" and hop.path == "/accounts/hub/adopt/"
    session_key = agency_site.cookies[settings.SESSION_COOKIE_NAME].value
    assert session_key not in verified["Location"]  # only a nonce travels in the URL

    adopted = _follow(main_site, verified["Location"])
    assert adopted.status_code == 302
    assert urlsplit(adopted["Location"]).hostname == "ar685.localhost"
    assert main_site.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    assert main_site.get("/api/auth/me/", HTTP_HOST="localhost").json()["mobile"] == MOBILE

    # The panel has no cookie: its login page asks the hub, which hands the session over.
    asked = panel.get("/accounts/login/?next=/", HTTP_HOST="panel.localhost")
    assert urlsplit(asked["Location"]).path == "/accounts/hub/fetch/"
    handed = _follow(main_site, asked["Location"])
    assert urlsplit(handed["Location"]).hostname == "panel.localhost"
    back = _follow(panel, handed["Location"])
    assert back.status_code == 302
    assert panel.cookies[settings.SESSION_COOKIE_NAME].value == session_key
    dashboard = panel.get(back["Location"], HTTP_HOST="panel.localhost", follow=True)
    assert agency.name.encode() in dashboard.content

    # One session everywhere: logging out on the panel ends it on every host.
    panel.post("/accounts/logout/", HTTP_HOST="panel.localhost")
    assert main_site.get("/api/auth/me/", HTTP_HOST="localhost").status_code == 401
    assert agency_site.get("/api/auth/me/", HTTP_HOST="ar685.localhost").status_code == 401


def test_a_visitor_not_logged_in_at_the_hub_gets_the_login_form(agency):
    panel, main_site = Client(), Client()
    asked = panel.get("/accounts/login/?next=/", HTTP_HOST="panel.localhost")
    answer = _follow(main_site, asked["Location"])
    assert answer.status_code == 302
    assert "hub=none" in answer["Location"]
    form = _follow(panel, answer["Location"])
    assert form.status_code == 200
    assert b'id="login-form"' in form.content
    assert settings.SESSION_COOKIE_NAME not in panel.cookies


def test_a_nonce_works_once(agency):
    agency_site, main_site, intruder = Client(), Client(), Client()
    verified = _login_on_agency_site(agency_site)
    _follow(main_site, verified["Location"])
    replay = _follow(intruder, verified["Location"])
    assert replay.status_code == 302
    assert settings.SESSION_COOKIE_NAME not in intruder.cookies


def test_a_forged_nonce_gives_nothing(agency):
    client = Client()
    response = client.get("/accounts/hub/adopt/?nonce=forged&next=/", HTTP_HOST="localhost")
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_NAME not in client.cookies


def test_the_hub_refuses_to_send_a_session_off_the_platform(agency):
    main_site = Client()
    _login_on_agency_site(Client())
    main_site.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="localhost")
    for target in (
        "https://evil.example/steal",
        "//evil.example/",
        "http://localhost.evil.example/",
    ):
        response = main_site.get("/accounts/hub/fetch/", {"next": target}, HTTP_HOST="localhost")
        assert response.status_code == 400


def test_adopt_never_redirects_off_the_platform(agency):
    response = Client().get(
        "/accounts/hub/adopt/",
        {"nonce": "x", "next": "https://evil.example/"},
        HTTP_HOST="localhost",
    )
    assert response["Location"] == "/"


def test_the_hub_is_idle_when_the_cookie_covers_every_host(settings, agency):
    settings.LOGIN_HUB_ENABLED = False
    page = Client().get("/accounts/login/?next=/", HTTP_HOST="panel.localhost")
    assert page.status_code == 200

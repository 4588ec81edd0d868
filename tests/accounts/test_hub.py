"""The login hub: one login on every host where the cookie cannot cover them all, and only
in the browser that asked for it.

A ``Browser`` below keeps one cookie jar per host, as a real browser keeps host-only
cookies; two ``Browser`` objects are two people's browsers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from accounts import hub
from accounts.services import membership_add
from tests.accounts.conftest import MOBILE, last_code

pytestmark = pytest.mark.django_db

OTHER_MOBILE = "09359876543"


@pytest.fixture(autouse=True)
def _hub_on(settings):
    settings.LOGIN_HUB_ENABLED = True
    settings.SESSION_COOKIE_DOMAIN = None


class Browser:
    """One browser: a cookie jar per host, redirects followed across hosts."""

    def __init__(self) -> None:
        self.jars: dict[str, Client] = {}

    def jar(self, host: str) -> Client:
        return self.jars.setdefault(host, Client())

    def session(self, host: str) -> str | None:
        cookie = self.jar(host).cookies.get(settings.SESSION_COOKIE_NAME)
        return cookie.value if cookie is not None and cookie.value else None

    def get(self, url: str, *, host: str | None = None):
        parts = urlsplit(url)
        host = parts.hostname or host
        assert host is not None
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        response = self.jar(host).get(path, HTTP_HOST=host)
        response.host = host
        return response

    def post(self, path: str, data: dict, *, host: str):
        response = self.jar(host).post(path, data, HTTP_HOST=host)
        response.host = host
        return response

    def follow(self, response, *, until: str | None = None):
        """Follow redirects; stop before a hop whose path is ``until`` (and return its URL)."""
        for _ in range(10):
            if response.status_code != 302:
                return response
            location = response["Location"]
            if until is not None and urlsplit(location).path == until:
                return location
            response = self.get(location, host=response.host)
        raise AssertionError("too many redirects")

    def me(self, host: str) -> str | None:
        answer = self.jar(host).get("/api/auth/me/", HTTP_HOST=host)
        return answer.json()["mobile"] if answer.status_code == 200 else None


def _login_on_agency_site(browser: Browser, mobile: str = MOBILE):
    browser.post(
        "/accounts/login/?hub=none", {"mobile": mobile, "next": "/"}, host="ar685.localhost"
    )
    return browser.post(
        "/accounts/login/verify/",
        {"code": last_code(mobile), "next": "/"},
        host="ar685.localhost",
    )


def _logged_in_at_the_hub(mobile: str = MOBILE) -> Browser:
    browser = Browser()
    browser.follow(_login_on_agency_site(browser, mobile))
    assert browser.me("localhost") == mobile
    return browser


def test_a_login_on_an_agency_site_is_shared_with_the_hub_and_other_hosts(agency):
    membership_add(agency=agency, mobile=MOBILE, role="staff", actor=None)
    browser = Browser()

    verified = _login_on_agency_site(browser)
    assert verified.status_code == 302
    session_key = browser.session("ar685.localhost")
    hops = []
    response = verified
    while response.status_code == 302:
        hops.append(response["Location"])
        response = browser.get(response["Location"], host=response.host)
    assert [(urlsplit(hop).hostname, urlsplit(hop).path) for hop in hops] == [
        ("localhost", "/accounts/hub/start/"),
        ("ar685.localhost", "/accounts/hub/fetch/"),
        ("localhost", "/accounts/hub/adopt/"),
        ("ar685.localhost", "/"),
    ]
    assert all(session_key not in hop for hop in hops)  # only a nonce travels in a URL
    assert browser.session("localhost") == session_key
    assert browser.me("localhost") == MOBILE
    assert browser.jar("localhost").cookies[hub.STATE_COOKIE].value == ""  # used up

    # The panel has no cookie: its login page asks the hub, which hands the session over.
    asked = browser.get("http://panel.localhost/accounts/login/?next=/")
    assert urlsplit(asked["Location"]).path == "/accounts/hub/fetch/"
    state_cookie = browser.jar("panel.localhost").cookies[hub.STATE_COOKIE]
    assert state_cookie["httponly"] is True
    assert state_cookie["path"] == "/accounts/hub/"
    assert state_cookie["domain"] == ""  # this host only
    assert state_cookie.value not in asked["Location"]  # only its hash travels
    dashboard = browser.follow(asked)
    assert dashboard.status_code == 200
    assert browser.session("panel.localhost") == session_key
    assert agency.name.encode() in dashboard.content

    # One session everywhere: logging out on the panel ends it on every host.
    browser.jar("panel.localhost").post("/accounts/logout/", HTTP_HOST="panel.localhost")
    assert browser.me("localhost") is None
    assert browser.me("ar685.localhost") is None


def test_a_visitor_not_logged_in_at_the_hub_gets_the_login_form(agency):
    browser = Browser()
    asked = browser.get("http://panel.localhost/accounts/login/?next=/")
    answer = browser.get(asked["Location"])
    assert answer.status_code == 302
    assert "hub=none" in answer["Location"]
    form = browser.get(answer["Location"])
    assert form.status_code == 200
    assert b'id="login-form"' in form.content
    assert browser.session("panel.localhost") is None


def test_a_hand_over_link_from_the_hub_opened_in_another_browser_logs_nobody_in(agency):
    owner = _logged_in_at_the_hub()
    asked = owner.get("http://panel.localhost/accounts/login/?next=/")
    link = owner.follow(asked, until="/accounts/hub/adopt/")
    assert urlsplit(link).hostname == "panel.localhost"

    other = Browser()
    landed = other.get(link)
    assert landed.status_code == 302
    assert other.session("panel.localhost") is None
    assert other.me("panel.localhost") is None
    assert "hub=none" in landed["Location"]  # the other browser gets the login form
    # The link is spent even for the browser it was made for; its own login is untouched.
    owner.get(link)
    assert owner.session("panel.localhost") is None
    assert owner.me("localhost") == MOBILE


def test_a_hand_over_link_to_the_hub_opened_in_another_browser_logs_nobody_in(agency):
    owner = Browser()
    link = owner.follow(_login_on_agency_site(owner), until="/accounts/hub/adopt/")
    assert urlsplit(link).hostname == "localhost"

    other = Browser()
    other.get(link)
    assert other.session("localhost") is None
    assert other.me("localhost") is None
    assert owner.me("ar685.localhost") == MOBILE


def test_an_attackers_link_does_not_log_a_victim_into_the_attackers_session(agency):
    """Login CSRF: the victim is in the middle of a hand-over of their own (their browser
    holds a state), and opens a hand-over link the attacker made with their own session."""
    attacker = _logged_in_at_the_hub(OTHER_MOBILE)
    link = attacker.follow(
        attacker.get("http://panel.localhost/accounts/login/?next=/"),
        until="/accounts/hub/adopt/",
    )
    victim = Browser()
    victim.get("http://panel.localhost/accounts/login/?next=/")  # the victim's own state
    assert victim.jar("panel.localhost").cookies[hub.STATE_COOKIE].value

    victim.get(link)
    assert victim.session("panel.localhost") is None
    assert victim.me("panel.localhost") is None


def test_a_victim_sent_to_the_hub_with_the_attackers_state_gives_the_attacker_nothing(agency):
    """The attacker makes the victim's browser ask the hub with the attacker's state hash:
    the nonce goes to the victim's browser, which spends it without the matching cookie."""
    attacker = Browser()
    asked = attacker.get("http://panel.localhost/accounts/login/?next=/")
    fetch_url = asked["Location"]
    victim = _logged_in_at_the_hub()

    sent = victim.get(fetch_url)
    link = sent["Location"]
    assert urlsplit(link).path == "/accounts/hub/adopt/"
    victim.get(link)
    assert victim.session("panel.localhost") is None

    attacker.get(link)  # even had the attacker learnt the nonce, with the right cookie
    assert attacker.session("panel.localhost") is None
    assert attacker.me("panel.localhost") is None


def test_a_nonce_without_the_state_cookie_gives_nothing(agency):
    owner = _logged_in_at_the_hub()
    link = owner.follow(
        owner.get("http://panel.localhost/accounts/login/?next=/"), until="/accounts/hub/adopt/"
    )
    owner.jar("panel.localhost").cookies.pop(hub.STATE_COOKIE)
    owner.get(link)
    assert owner.session("panel.localhost") is None


def test_a_forged_nonce_gives_nothing(agency):
    browser = Browser()
    browser.get("http://panel.localhost/accounts/login/?next=/")
    response = browser.get("http://panel.localhost/accounts/hub/adopt/?nonce=forged&next=/")
    assert response.status_code == 302
    assert browser.session("panel.localhost") is None


def test_the_hub_refuses_to_send_a_session_off_the_platform(agency):
    browser = _logged_in_at_the_hub()
    hub_jar = browser.jar("localhost")
    state = "0" * 64
    for target in (
        "https://evil.example/steal",
        "//evil.example/",
        "http://localhost.evil.example/",
        "http://evil.example\\.localhost/",
        "http://x@evil.example/.localhost",
    ):
        response = hub_jar.get(
            "/accounts/hub/fetch/", {"next": target, "state": state}, HTTP_HOST="localhost"
        )
        assert response.status_code == 400
    for host in (
        "evil.example",
        "localhost.evil.example",
        "evil.example\\.localhost",
        "evil.example/.localhost",
        "evil.example?.localhost",
        "x@ar685.localhost",
    ):
        response = hub_jar.get(
            "/accounts/hub/fetch/",
            {"next": "http://localhost/", "to": host, "state": state},
            HTTP_HOST="localhost",
        )
        assert response.status_code == 400, host
        started = hub_jar.get(
            "/accounts/hub/start/",
            {"giver": host, "next": "http://localhost/"},
            HTTP_HOST="localhost",
        )
        assert started.status_code == 400, host
    assert hub.STATE_COOKIE not in hub_jar.cookies or not hub_jar.cookies[hub.STATE_COOKIE].value


def test_the_giver_refuses_a_hand_over_without_a_state(agency):
    browser = _logged_in_at_the_hub()
    response = browser.jar("localhost").get(
        "/accounts/hub/fetch/", {"next": "http://panel.localhost/"}, HTTP_HOST="localhost"
    )
    assert response.status_code == 400
    assert response.content.decode() == "این پیوند ورود معتبر نیست."


def test_adopt_never_redirects_off_the_platform(agency):
    response = Client().get(
        "/accounts/hub/adopt/",
        {"nonce": "x", "next": "https://evil.example/"},
        HTTP_HOST="localhost",
    )
    assert response["Location"] == "/?hub=none"


def test_the_hub_is_idle_when_the_cookie_covers_every_host(settings, agency):
    settings.LOGIN_HUB_ENABLED = False
    page = Client().get("/accounts/login/?next=/", HTTP_HOST="panel.localhost")
    assert page.status_code == 200
    assert hub.STATE_COOKIE not in page.cookies

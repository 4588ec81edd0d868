"""The login hub in a real browser (host-only cookies, as on bare ``localhost``): one login
reaches every host of the same browser, and a hand-over link opened in a second browser
logs nobody in."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from core.digits import to_latin_digits
from tests.factories import create_agency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "09123456789"


@pytest.fixture
def hub_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    settings.LOGIN_HUB_ENABLED = True
    settings.SESSION_COOKIE_DOMAIN = None
    settings.CSRF_COOKIE_DOMAIN = None
    return live_port


def _logged_in(tab) -> bool:
    return tab.locator("#nav-profile").count() == 1 and tab.locator("#nav-login").count() == 0


def test_a_hand_over_link_logs_in_only_the_browser_that_asked(
    browser, hub_port, drop_schemas_after
):
    create_agency(code=685, name="نمایندگی خلیلی")
    create_agency(code=686, name="نمایندگی ونک")
    first_site = f"http://ar685.localhost:{hub_port}"
    second_site = f"http://ar686.localhost:{hub_port}"
    hub_site = f"http://localhost:{hub_port}"
    owner_context = browser.new_context(locale="fa-IR")
    owner = owner_context.new_page()
    owner.set_default_timeout(15_000)

    # The login page asks the hub first; nobody is logged in there, so the form shows.
    owner.goto(f"{first_site}/accounts/login/?next=/")
    owner.wait_for_selector("#login-form")
    assert "hub=none" in owner.url
    owner.fill("input[name=mobile]", MOBILE)
    owner.click("#login-form button[type=submit]")
    owner.wait_for_url(re.compile(r"/accounts/login/verify/"))
    outbox = owner_context.new_page()
    outbox.goto(f"{first_site}/dev/sms/")
    row = outbox.locator(f"#sms-outbox tr[data-to='{MOBILE}'][data-kind='otp']").first
    code = re.search(r"\d{6}", to_latin_digits(row.locator(".sms-body").inner_text())).group(0)
    outbox.close()
    owner.fill("input[name=code]", code)
    owner.click("#verify-form button[type=submit]")
    owner.wait_for_url(f"{first_site}/")
    assert _logged_in(owner)
    owner.goto(f"{hub_site}/")
    assert _logged_in(owner)  # the login was handed to the hub in the same browser

    # The second agency's login page asks the hub; the hand-over link is caught on its way
    # (the browser's own request interception, which sees every hop of a redirect chain).
    links: list[str] = []
    devtools = owner_context.new_cdp_session(owner)

    def catch(event):
        links.append(event["request"]["url"])
        devtools.send(
            "Fetch.failRequest", {"requestId": event["requestId"], "errorReason": "Aborted"}
        )

    devtools.on("Fetch.requestPaused", catch)
    devtools.send("Fetch.enable", {"patterns": [{"urlPattern": "*/accounts/hub/adopt/*"}]})
    with contextlib.suppress(PlaywrightError):
        owner.goto(f"{second_site}/accounts/login/?next=/")
    devtools.send("Fetch.disable")
    devtools.detach()
    assert len(links) == 1
    link = links[0]
    assert link.startswith(f"{second_site}/accounts/hub/adopt/?nonce=")

    other_context = browser.new_context(locale="fa-IR")
    other = other_context.new_page()
    other.goto(link)
    other.wait_for_selector("#login-form")
    assert not _logged_in(other)
    other.goto(f"{second_site}/")
    assert not _logged_in(other)
    other_context.close()

    # The browser that asked still gets its session on the second site the ordinary way.
    owner.goto(f"{second_site}/accounts/login/?next=/")
    owner.wait_for_url(f"{second_site}/")
    assert _logged_in(owner)
    owner_context.close()

"""Browser tests: Debian's Chromium driven by Playwright against the live test server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is required in CI and was not found at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fa-IR")
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def live_port(live_server) -> int:
    return int(live_server.url.rsplit(":", 1)[1])


# Every page of every browser test reports Content-Security-Policy violations; a test fails
# if any page saw one (the policy must not break a page, and pages must not need it loosened).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "CSP violation: " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " in " + event.documentURI + " (" + (event.sourceFile || "") + ":" + event.lineNumber + ")"
  );
});
"""


def _is_csp_report(text: str) -> bool:
    return text.startswith("CSP violation") or "Content Security Policy" in text


@pytest.fixture
def site_port(settings, live_port):
    """The live server's port, as the site's links carry it."""
    settings.SITE_PORT = str(live_port)
    return live_port


@pytest.fixture(autouse=True)
def csp_violations(browser):
    """The CSP violations seen by every context the test opens (checked when it ends)."""
    seen: list[str] = []
    original = browser.new_context

    def watch(page) -> None:
        page.on(
            "console",
            lambda message: seen.append(message.text) if _is_csp_report(message.text) else None,
        )

    def new_context(*args, **kwargs):
        context = original(*args, **kwargs)
        context.add_init_script(CSP_LISTENER)
        context.on("page", watch)
        return context

    browser.new_context = new_context
    yield seen
    del browser.new_context
    assert seen == [], "Content-Security-Policy violations:\n" + "\n".join(seen)

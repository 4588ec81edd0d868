"""Public pages as a phone's browser and a search engine meet them (issue 11): an icon, a
description of their own, no script that holds up the first paint, and no more stylesheet
before it than fits the first round trip. (First-paint times themselves are measured by
``make bench``, never asserted.)"""

from __future__ import annotations

import gzip
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from policies.models import Line, TariffVersion
from policies.services.issuance import policy_issue
from policies.services.quotes import quote_create
from tenants.content.models import SiteSettings
from tests.factories import create_user
from tests.policies.fixtures_issuance import paid_order

pytestmark = pytest.mark.django_db

MAIN, AGENCY, PANEL, OPS = "localhost", "ar685.localhost", "panel.localhost", "ops.localhost"
# Stylesheets that block the first paint, compressed: within TCP's first congestion window
# (10 segments, about 14 KB) they arrive in the round trip after the page's own.
FIRST_PAINT_CSS_BUDGET = 14 * 1024
ANSWERS = {
    "vehicle_group": "sedan4",
    "usage": "personal",
    "production_year": 1400,
    "previous_insurer": "iran",
    "no_claim_years": 3,
    "days_since_expiry": 0,
    "extra_cover": "none",
}


class Page(HTMLParser):
    """What a browser finds in a page before it can paint: the head's metadata, links and
    scripts, and every script of the page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.in_head = False
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.head_inline_scripts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "body":
            self.in_head = False
        elif tag == "meta" and attributes.get("name"):
            self.meta[attributes["name"]] = attributes.get("content") or ""
        elif tag == "link" and self.in_head:
            self.links.append({key: value or "" for key, value in attributes.items()})
        elif tag == "script":
            if attributes.get("src"):
                self.scripts.append(attributes)
            elif self.in_head and attributes.get("type") != "application/json":
                self.head_inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False

    def stylesheets(self) -> list[str]:
        return [
            link["href"]
            for link in self.links
            if link.get("rel") == "stylesheet" and link.get("media", "all") in ("all", "screen")
        ]

    def icons(self) -> dict[str, str]:
        return {
            link.get("type") or link["href"].rsplit(".", 1)[-1]: link["href"]
            for link in self.links
            if link.get("rel") in ("icon", "apple-touch-icon")
        }


def _static_file(url: str):
    assert url.startswith(settings.STATIC_URL), url
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    assert path, f"{url} is not installed"
    return path


@pytest.fixture
def pages(catalog, agency):
    """Every public page, with a customer who holds a policy (host, path, who is logged in)."""
    customer = create_user(first_name="سارا", last_name="کریمی", national_code="0013542419")
    line = Line.objects.get(code="third_party")
    tariff = TariffVersion.objects.get(line=line, status=TariffVersion.Status.ACTIVE)
    order = paid_order(line=line, tariff=tariff, customer=customer)
    policy = policy_issue(order=order, actor=create_user(insurer_role="operator"))
    quote = quote_create(line="third_party", answers=ANSWERS, agency=None)
    return {
        "main home": (MAIN, "/", None),
        "agency home": (AGENCY, "/", None),
        "lines": (MAIN, "/insurance/", None),
        "quote form": (MAIN, "/insurance/third_party/", None),
        "quote": (MAIN, f"/quotes/{quote.public_id}/", None),
        "verify form": (MAIN, "/verify/", None),
        "verification": (MAIN, f"/verify/{policy.verification_code}/", None),
        "login": (MAIN, "/accounts/login/", None),
        "account": (MAIN, "/account/", customer),
    }


def _get(host: str, path: str, user=None) -> Page:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, (host, path, response.status_code)
    return Page(response.content.decode())


def test_every_public_page_has_icons_a_theme_colour_and_a_description_of_its_own(pages):
    descriptions = {}
    for name, (host, path, user) in pages.items():
        page = _get(host, path, user)
        icons = page.icons()
        assert set(icons) == {"ico", "image/svg+xml", "png"}, (name, icons)
        for url in icons.values():
            _static_file(url)
        assert page.meta["theme-color"] == "#0d6efd", name
        assert len(page.meta["description"]) >= 40, (name, page.meta["description"])
        descriptions[name] = page.meta["description"]
    own = ("main home", "agency home", "lines", "quote form", "verify form", "login")
    assert len({descriptions[name] for name in own}) == len(own), descriptions
    # The agency's own "about us" text (the one every new agency starts with).
    assert descriptions["agency home"] == "نمایندگی خلیلی، نماینده رسمی شرکت بیمه است."
    assert "بیمه شخص ثالث" in descriptions["quote form"]
    assert descriptions["verification"] == descriptions["verify form"]


def test_no_public_page_waits_for_a_script_before_it_paints(pages):
    for name, (host, path, user) in pages.items():
        page = _get(host, path, user)
        assert page.head_inline_scripts == 0, name
        sources = [script["src"] for script in page.scripts]
        # No framework bundle: the navbar's own few lines, and a page's own small script where
        # it has one (the quote form groups an amount's digits as it is typed).
        own = [f"{settings.STATIC_URL}js/amount-input.js"] if name.startswith("quote form") else []
        assert sources == [f"{settings.STATIC_URL}js/navbar.js", *own], (name, sources)
        assert all("defer" in script for script in page.scripts), (name, page.scripts)


def test_panel_and_ops_scripts_are_deferred_and_htmx_is_theirs(agency):
    owner = agency.memberships.get().user
    operator = create_user(insurer_role="operator")
    for host, path, user in (
        (PANEL, "/", owner),
        (PANEL, "/settings/", owner),
        (OPS, "/", operator),
    ):
        page = _get(host, path, user)
        sources = [script["src"] for script in page.scripts]
        assert f"{settings.STATIC_URL}vendor/htmx.org/dist/htmx.min.js" in sources, (path, sources)
        assert not any("bootstrap" in source for source in sources), (path, sources)
        assert all(
            "defer" in script or "async" in script or script.get("type") == "module"
            for script in page.scripts
        ), (host, path, page.scripts)


def test_the_css_a_public_page_waits_for_fits_one_round_trip(pages):
    for name, (host, path, user) in pages.items():
        page = _get(host, path, user)
        stylesheets = page.stylesheets()
        assert stylesheets == [
            f"{settings.STATIC_URL}css/bootstrap.rtl.css",
            f"{settings.STATIC_URL}css/site.css",
        ], (name, stylesheets)
        compressed = sum(
            len(gzip.compress(Path(_static_file(url)).read_bytes(), compresslevel=9))
            for url in stylesheets
        )
        assert compressed <= FIRST_PAINT_CSS_BUDGET, (name, compressed)


def test_english_pages_take_the_left_to_right_stylesheet(client, catalog):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_HOST=MAIN)
    page = Page(client.get("/insurance/", HTTP_HOST=MAIN).content.decode())
    assert page.stylesheets() == [
        f"{settings.STATIC_URL}css/bootstrap.css",
        f"{settings.STATIC_URL}css/site.css",
    ]
    assert page.meta["description"] == (
        "Choose a line of insurance, answer a few questions and see the premium at once. "
        "No account needed."
    )


@pytest.mark.parametrize("host", [MAIN, AGENCY, PANEL, OPS])
def test_favicon_ico_is_answered_on_every_host(client, agency, host):
    response = client.get("/favicon.ico", HTTP_HOST=host)
    assert response.status_code == 302
    assert response["Location"] == f"{settings.STATIC_URL}favicon.ico"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert Path(_static_file(response["Location"])).read_bytes()[:4] == b"\x00\x00\x01\x00"


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_are_served_on_a_host_whose_site_is_not_active(client, agency):
    """The "this site is not active" page of an unknown or suspended agency keeps its
    styles: static files are served before the host is looked at."""
    inactive = client.get("/", HTTP_HOST="ar999.localhost")
    assert inactive.status_code == 404
    stylesheets = Page(inactive.content.decode()).stylesheets()
    assert stylesheets, "the not-active page links no stylesheet"
    for url in stylesheets:
        response = client.get(url, HTTP_HOST="ar999.localhost")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/css"), url


def test_an_agency_site_is_described_by_its_about_text_as_plain_text_or_by_its_name(agency):
    with schema_context(agency.schema_name):
        site = SiteSettings.objects.get()
        site.about_text = '<p>از ۱۳۸۰ در کنار شما &amp; "همراه"</p>\n<p>تهران</p>'
        site.save()
    response = Client().get("/", HTTP_HOST=AGENCY)
    assert (
        'content="از ۱۳۸۰ در کنار شما &amp; &quot;همراه&quot; تهران"' in response.content.decode()
    )
    with schema_context(agency.schema_name):
        SiteSettings.objects.update(about_text="")
    page = _get(AGENCY, "/")
    assert page.meta["description"] == (
        "نمایندگی خلیلی در تهران: استعلام نرخ و خرید آنلاین بیمه، با بیمه‌نامه الکترونیکی قابل استعلام."
    )

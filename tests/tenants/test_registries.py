"""The panel and the ops host are assembled from registries (decision 025): the nav shows each
member the entries of every app that their role may open, and a new app plugs its pages, nav
entries, ops sections and URL modules in from its ``AppConfig.ready`` without editing any
template, menu or URLconf of another app; the access walkers then cover its routes too."""

from __future__ import annotations

import importlib
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import clear_url_caches, resolve, reverse

from accounts.models import AgencyMembership, User
from core.mounts import UrlMounts
from tenants.models import Agency
from tenants.ops import registry as ops_registry
from tenants.panel import registry as panel_registry
from tenants.panel.registry import NAV, SETTINGS, panel_links, panel_links_for, panel_nav_register
from tenants.services import agency_set_status
from tests.factories import create_user
from tests.policies.test_ops_access import ops_routes
from tests.tenants import plugin
from tests.tenants.test_isolation import _routes

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
OPS = "ops.localhost"
URLCONFS = ("config.urls_panel", "config.urls_ops")


def _rebuild_urlconfs() -> None:
    for name in URLCONFS:
        importlib.reload(importlib.import_module(name))
    clear_url_caches()


@pytest.fixture
def plugged(monkeypatch):
    """The plugin app registered as its ``AppConfig.ready`` would, and the hosts' URLconfs
    rebuilt; afterwards the registries and URLconfs are as the project's apps made them."""
    monkeypatch.setattr(panel_registry, "_links", dict(panel_registry._links))
    monkeypatch.setattr(ops_registry, "_sections", dict(ops_registry._sections))
    for mounts in (panel_registry.PANEL_URLS, ops_registry.OPS_URLS):
        monkeypatch.setattr(mounts, "_mounts", list(mounts._mounts))
        monkeypatch.setattr(mounts, "_built", False)
    plugin.register()
    _rebuild_urlconfs()
    yield
    monkeypatch.undo()
    _rebuild_urlconfs()


@pytest.fixture
def owner(agency) -> User:
    return agency.memberships.get(role=AgencyMembership.Role.OWNER).user


@pytest.fixture
def staff(agency) -> User:
    user = create_user()
    AgencyMembership.objects.create(agency=agency, user=user, role=AgencyMembership.Role.STAFF)
    return user


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _nav(client: Client) -> list[str]:
    page = client.get("/", HTTP_HOST=PANEL)
    assert page.status_code == 200
    return re.findall(r'id="nav-panel-([\w-]+)"', page.content.decode())


def _expected(*, manage: bool) -> list[str]:
    """The registry's nav, in position order, as a member who may (not) manage sees it."""
    return [link.key for link in panel_links(place=NAV) if manage or not link.manage_only]


def _in_order(keys: list[str], wanted: list[str]) -> bool:
    return [key for key in keys if key in wanted] == wanted


def test_the_nav_shows_each_member_exactly_the_entries_their_role_may_open(owner, staff):
    owner_nav, staff_nav = _nav(_client(owner)), _nav(_client(staff))
    assert owner_nav == _expected(manage=True)
    assert staff_nav == _expected(manage=False)
    assert _in_order(owner_nav, ["dashboard", "sales", "offers", "crm-customers", "settings"])
    assert _in_order(owner_nav, ["settings", "content", "staff", "commissions"])
    assert {"settings", "content", "staff", "commissions"}.isdisjoint(staff_nav)
    assert _in_order(staff_nav, ["dashboard", "sales", "offers", "crm-customers"])
    page = _client(staff).get("/", HTTP_HOST=PANEL).content.decode()
    assert re.search(
        r'<a class="nav-link" href="/offers/" id="nav-panel-offers">[^<]+ <span id="offers-badge" '
        r'hx-get="/offers/badge/" hx-trigger="load, every 10s"',
        page,
    )
    settings_page = _client(owner).get("/settings/", HTTP_HOST=PANEL).content.decode()
    assert set(re.findall(r'href="([^"]+)" id="([\w-]+)-link"', settings_page)) == {
        ("/settings/lines/", "lines"),
        ("/crm/telephony/", "crm-telephony"),
        ("/book/settings/", "crm-book-fields"),
        ("/sms/credit/", "sms-credit"),
        ("/sms/credit/settings/", "sms-settings"),
        ("/renewals/settings/", "renewal-settings"),
    }


def test_every_entry_is_manage_only_exactly_when_its_page_admits_only_managers():
    """The nav never offers staff a page that answers them 403, nor hides one they may open."""
    links = panel_links(place=NAV) + panel_links(place=SETTINGS)
    assert {link.key for link in links} >= {"dashboard", "offers", "settings", "lines"}
    for link in links:
        view = resolve(reverse(link.url_name, urlconf=URLCONFS[0]), urlconf=URLCONFS[0]).func
        assert getattr(view, "panel_manage", None) is link.manage_only, link.key
        if link.badge_url:
            badge = resolve(reverse(link.badge_url, urlconf=URLCONFS[0]), urlconf=URLCONFS[0])
            assert badge.func.panel_manage is link.manage_only, link.key


def test_a_new_app_plugs_its_panel_pages_in_and_the_walkers_cover_them(
    plugged, agency, owner, staff
):
    owner_nav, staff_nav = _nav(_client(owner)), _nav(_client(staff))
    assert owner_nav == _expected(manage=True)
    assert staff_nav == _expected(manage=False)
    assert _in_order(owner_nav, ["crm-customers", "plugin", "plugin-book", "settings"])
    assert "plugin" in staff_nav and "plugin-book" not in staff_nav
    page = _client(staff).get("/", HTTP_HOST=PANEL).content.decode()
    assert re.search(
        r'href="/plugin/" id="nav-panel-plugin">Plugin pages <span id="plugin-badge" '
        r'hx-get="/plugin/badge/"',
        page,
    )
    # Its pages answer on the panel host behind the panel's guard.
    home = _client(staff).get("/plugin/", HTTP_HOST=PANEL)
    assert (home.status_code, home.content) == (200, b"plugin home of agency 685")
    assert _client(staff).get("/plugin/book/", HTTP_HOST=PANEL).status_code == 403
    assert _client(owner).get("/plugin/book/", HTTP_HOST=PANEL).status_code == 200
    # The isolation and suspension walkers read the same URLconf: they walk these routes.
    assert {"plugin/", "plugin/badge/", "plugin/book/"} <= set(_routes("config.urls_panel"))
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    stopped = _client(owner).get("/plugin/", HTTP_HOST=PANEL)
    assert stopped.status_code == 403
    assert 'id="panel-agency-inactive"' in stopped.content.decode()


def test_a_new_app_plugs_a_section_into_the_ops_host(plugged):
    operator = _client(create_user(insurer_role="operator"))
    home = operator.get("/", HTTP_HOST=OPS).content.decode()
    assert re.findall(r'id="ops-card-(\w+)"', home) == [
        "queue",
        "control",
        "applications",
        "cancellations",
        "plans",
        "claims",
        "referrals",
        "settlement",
        "commissions",
        "support",
        "reports",
        "plugin",
        "record",
        "audit",
        "sms",
    ]
    assert re.search(
        r'href="/plugin/" id="ops-card-plugin"(?:(?!ops-card-).)*data-waiting="3"', home, re.S
    )
    nav = operator.get("/plans/", HTTP_HOST=OPS).content.decode()
    assert 'href="/plugin/" id="nav-ops-plugin"' in nav
    assert operator.get("/plugin/", HTTP_HOST=OPS).content == b"plugin ops home"

    marketing = _client(create_user(insurer_role="marketing"))
    assert 'id="ops-card-plugin"' not in marketing.get("/", HTTP_HOST=OPS).content.decode()
    assert 'id="nav-ops-plugin"' not in marketing.get("/plans/", HTTP_HOST=OPS).content.decode()
    assert marketing.get("/plugin/", HTTP_HOST=OPS).status_code == 404
    # The ops access walker reads the same URLconf: an unlisted route there fails the suite.
    assert "plugin/" in ops_routes()


def test_a_higher_app_takes_over_an_entry_of_a_lower_one(plugged, agency, owner):
    panel_nav_register(
        key="plugin-customers",
        url_name="panel-plugin:home",
        label="Customers",
        position=40,
        replaces="customers",
    )
    membership = agency.memberships.get(user=owner)
    keys = [link.key for link in panel_links_for(place=NAV, membership=membership)]
    assert "customers" not in keys
    # The CRM's own entry took the place first (crm/mounts.py); both stand where it stood.
    after_offers = keys.index("offers") + 1
    assert keys[after_offers : after_offers + 2] == ["crm-customers", "plugin-customers"]
    assert (
        'id="nav-panel-plugin-customers"'
        in _client(owner).get("/", HTTP_HOST=PANEL).content.decode()
    )


def test_the_registries_refuse_what_would_fail_silently(plugged):
    # Registering the same entry again changes nothing; another target under its key is refused.
    plugin.register()
    with pytest.raises(ImproperlyConfigured, match="replaces='plugin'"):
        panel_nav_register(key="plugin", url_name="panel-plugin:book", label="Other")
    with pytest.raises(ImproperlyConfigured, match="section 'plugin'"):
        ops_registry.ops_section_register(
            key="plugin", url_name="ops-plugin:home", title="x", description="y", roles=("admin",)
        )
    # A mount after the URLconf was built would never be served.
    with pytest.raises(ImproperlyConfigured, match="after its URLconf was built"):
        panel_registry.panel_urls_register(prefix="late/", module="tests.tenants.plugin.ops_urls")
    mounts = UrlMounts("test")
    with pytest.raises(ImproperlyConfigured, match="at a prefix such as"):
        mounts.register(prefix="plugin", module="tests.tenants.plugin.panel_urls")
    mounts.register(prefix="plugin/", module="tests.tenants.plugin.panel_urls")
    with pytest.raises(ImproperlyConfigured, match="already mounted"):
        mounts.register(prefix="other/", module="tests.tenants.plugin.panel_urls")
    assert [mount.prefix for mount in mounts.mounts()] == ["plugin/"]

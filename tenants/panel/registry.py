"""What the agency panel links to and serves, filled by each app from its ``AppConfig.ready``.

``tenants`` owns the panel's shell (its base template, login, dashboard, settings, staff) and
sits below every app that has panel pages, so it names none of them. An app plugs in with:

- ``panel_urls_register(prefix="offers/", module="referrals.panel_urls")``: its URL module
  (with its own ``app_name``) served under that prefix on the panel host; ``config.urls_panel``
  builds the host's URLconf from these.
- ``panel_nav_register(key="offers", url_name="panel-offers:list", label=_("Offers"),
  position=30, badge_url="panel-offers:badge")``: an entry in the panel's nav (``id`` =
  ``nav-panel-<key>``), in ``position`` order. ``manage_only=True`` shows it to owners and
  managers only, as ``panel_view(manage=True)`` admits only them (a test holds the two
  together); ``badge_url`` names an HTMX fragment shown beside the label and refreshed every
  10 seconds; ``replaces="customers"`` hides another app's entry (a higher app taking over a
  page of a lower one).
- ``panel_link_register(place="settings", …)``: the same, as a link on a page of ``tenants``
  (today the settings page), ``id`` = ``<key>-link``.

Every view behind these URLs is wrapped in ``tenants.panel.base.panel_view``; the suspension
and isolation walkers read the panel's URLconf, so they cover every registered route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLResolver
from django.utils.functional import Promise

from core.mounts import UrlMount, UrlMounts

NAV = "nav"
SETTINGS = "settings"


@dataclass(frozen=True)
class PanelLink:
    place: str  # NAV, or the tenants page that shows it (SETTINGS)
    key: str
    url_name: str
    label: str | Promise
    position: int = 50
    manage_only: bool = False
    badge_url: str = ""
    replaces: str = ""


PANEL_URLS = UrlMounts("panel")
_links: dict[tuple[str, str], PanelLink] = {}


def panel_urls_register(*, prefix: str, module: str, namespace: str | None = None) -> UrlMount:
    """Serve the URL module ``module`` under ``prefix`` on the panel host."""
    return PANEL_URLS.register(prefix=prefix, module=module, namespace=namespace)


def panel_url_patterns() -> list[URLResolver]:
    """The panel host's registered URL modules (for ``config.urls_panel``)."""
    return PANEL_URLS.patterns()


def panel_link_register(
    *,
    place: str,
    key: str,
    url_name: str,
    label: str | Promise,
    position: int = 50,
    manage_only: bool = False,
    badge_url: str = "",
    replaces: str = "",
) -> PanelLink:
    """Show a link to ``url_name`` at ``place``. Registering the same link again changes
    nothing; two different links under one key are refused (use ``replaces``)."""
    link = PanelLink(
        place=place,
        key=key,
        url_name=url_name,
        label=label,
        position=position,
        manage_only=manage_only,
        badge_url=badge_url,
        replaces=replaces,
    )
    existing = _links.setdefault((place, key), link)
    if existing != link:
        raise ImproperlyConfigured(
            f"The panel's {place} already has an entry {key!r} ({existing.url_name}); "
            f"give {url_name} another key, with replaces={key!r} to take its place."
        )
    return link


def panel_nav_register(
    *,
    key: str,
    url_name: str,
    label: str | Promise,
    position: int = 50,
    manage_only: bool = False,
    badge_url: str = "",
    replaces: str = "",
) -> PanelLink:
    """An entry in the panel's nav (see the module's docstring)."""
    return panel_link_register(
        place=NAV,
        key=key,
        url_name=url_name,
        label=label,
        position=position,
        manage_only=manage_only,
        badge_url=badge_url,
        replaces=replaces,
    )


def panel_links(*, place: str) -> list[PanelLink]:
    """Every link at ``place`` that no other replaces, in position order (then by key)."""
    links = [link for link in _links.values() if link.place == place]
    replaced = {link.replaces for link in links if link.replaces}
    return sorted(
        (link for link in links if link.key not in replaced),
        key=lambda link: (link.position, link.key),
    )


def panel_links_for(*, place: str, membership: Any) -> list[PanelLink]:
    """The links at ``place`` that this member may open: manage-only ones for owners and
    managers alone."""
    may_manage = bool(getattr(membership, "can_manage", False))
    return [link for link in panel_links(place=place) if may_manage or not link.manage_only]

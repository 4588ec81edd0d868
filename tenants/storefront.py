"""What the storefront's home offers (the main site's and every agency site's), filled by
the apps above ``tenants`` from their ``AppConfig.ready``: ``policies`` registers the premium
quote. A home action is a prominent button under the home's heading (``id`` = ``home-<key>``).

Apps above ``tenants`` also mount storefront URL modules here
(``storefront_urls_register(prefix="sale/", module="crm.storefront_urls")``), served on the main
site and on every agency site; a view that belongs to agency sites only answers 404 where
``request.agency`` is None."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLResolver
from django.utils.functional import Promise

from core.mounts import UrlMount, UrlMounts


@dataclass(frozen=True)
class HomeAction:
    key: str
    url_name: str
    label: str | Promise
    position: int = 50


_actions: dict[str, HomeAction] = {}


def home_action_register(
    *, key: str, url_name: str, label: str | Promise, position: int = 50
) -> HomeAction:
    """Offer ``url_name`` on the storefront's home (registering it again changes nothing)."""
    action = HomeAction(key=key, url_name=url_name, label=label, position=position)
    existing = _actions.setdefault(key, action)
    if existing != action:
        raise ImproperlyConfigured(f"The storefront's home already has an action {key!r}.")
    return action


def home_actions() -> list[HomeAction]:
    return sorted(_actions.values(), key=lambda action: (action.position, action.key))


STOREFRONT_URLS = UrlMounts("storefront")


def storefront_urls_register(*, prefix: str, module: str, namespace: str | None = None) -> UrlMount:
    """Serve the URL module ``module`` under ``prefix`` on the storefront hosts."""
    return STOREFRONT_URLS.register(prefix=prefix, module=module, namespace=namespace)


def storefront_url_patterns() -> list[URLResolver]:
    """The storefront's registered URL modules (for ``config.urls_common``)."""
    return STOREFRONT_URLS.patterns()

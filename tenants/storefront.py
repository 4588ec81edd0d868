"""What the storefront's home offers (the main site's and every agency site's), filled by
the apps above ``tenants`` from their ``AppConfig.ready``: ``policies`` registers the premium
quote. A home action is a prominent button under the home's heading (``id`` = ``home-<key>``).

Apps above ``tenants`` also mount storefront URL modules here
(``storefront_urls_register(prefix="sale/", module="crm.storefront_urls")``), served on the main
site and on every agency site; a view that belongs to agency sites only answers 404 where
``request.agency`` is None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import URLResolver
from django.utils.functional import Promise

from core.mounts import UrlMount, UrlMounts


@dataclass(frozen=True)
class HomeAction:
    key: str
    url_name: str
    label: str | Promise
    position: int = 50
    main_only: bool = False


_actions: dict[str, HomeAction] = {}


def home_action_register(
    *,
    key: str,
    url_name: str,
    label: str | Promise,
    position: int = 50,
    main_only: bool = False,
) -> HomeAction:
    """Offer ``url_name`` on the storefront's home (registering it again changes nothing);
    ``main_only`` keeps it off the agency sites (the insurer's own offers, such as becoming
    an agent)."""
    action = HomeAction(
        key=key, url_name=url_name, label=label, position=position, main_only=main_only
    )
    existing = _actions.setdefault(key, action)
    if existing != action:
        raise ImproperlyConfigured(f"The storefront's home already has an action {key!r}.")
    return action


def home_actions(*, main: bool = True) -> list[HomeAction]:
    """The home's actions on the main site (``main``) or on an agency site."""
    shown = [action for action in _actions.values() if main or not action.main_only]
    return sorted(shown, key=lambda action: (action.position, action.key))


STOREFRONT_URLS = UrlMounts("storefront")


def storefront_urls_register(*, prefix: str, module: str, namespace: str | None = None) -> UrlMount:
    """Serve the URL module ``module`` under ``prefix`` on the storefront hosts."""
    return STOREFRONT_URLS.register(prefix=prefix, module=module, namespace=namespace)


def storefront_url_patterns() -> list[URLResolver]:
    """The storefront's registered URL modules (for ``config.urls_common``)."""
    return STOREFRONT_URLS.patterns()


# The customer's account page (S-2.6, decision 052). ``policies`` owns the page and its
# policies, orders and payments; the apps above add a section each (claims, cancellations,
# tickets, advice requests) and actions on a policy's row (renew, cancel, file a claim).


@dataclass(frozen=True)
class AccountSection:
    """A card on the account page (``id="my-<key>"``). ``context(request)`` returns the dict
    ``template`` reads as ``data`` (besides ``request``); it runs a fixed number of
    queries, whatever the customer holds, and lists at most a page with a link to the rest."""

    key: str
    title: str | Promise
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    position: int = 50


@dataclass(frozen=True)
class PolicyAction:
    """A link on a policy's row of the account page (``class="policy-<key>"``).
    ``applies(policy, today)`` decides from the policy's own fields (no query);
    the link is ``reverse(url_name, args=[policy.number])``."""

    key: str
    label: str | Promise
    url_name: str
    applies: Callable[[Any, date], bool]
    position: int = 50


_sections: dict[str, AccountSection] = {}
_policy_actions: dict[str, PolicyAction] = {}


def account_section_register(
    *,
    key: str,
    title: str | Promise,
    template: str,
    context: Callable[[HttpRequest], dict[str, Any]],
    position: int = 50,
) -> AccountSection:
    """Add a section to the customer's account page (registering it again changes nothing)."""
    section = AccountSection(
        key=key, title=title, template=template, context=context, position=position
    )
    existing = _sections.setdefault(key, section)
    if existing != section:
        raise ImproperlyConfigured(f"The account page already has a section {key!r}.")
    return section


def account_sections() -> list[AccountSection]:
    return sorted(_sections.values(), key=lambda section: (section.position, section.key))


def policy_action_register(
    *,
    key: str,
    label: str | Promise,
    url_name: str,
    applies: Callable[[Any, date], bool],
    position: int = 50,
) -> PolicyAction:
    """Offer ``url_name`` on each policy of the account page where ``applies`` says so."""
    action = PolicyAction(
        key=key, label=label, url_name=url_name, applies=applies, position=position
    )
    existing = _policy_actions.setdefault(key, action)
    if existing != action:
        raise ImproperlyConfigured(f"The account page already has a policy action {key!r}.")
    return action


def policy_actions() -> list[PolicyAction]:
    return sorted(_policy_actions.values(), key=lambda action: (action.position, action.key))

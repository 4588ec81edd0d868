"""The insurer's ops host: its sections and URL modules, filled by each app from its
``AppConfig.ready``.

``tenants`` owns the ops host's shell (base template, nav, home) and sits below every app with
ops pages, so it names none of them. An app plugs in with:

- ``ops_urls_register(prefix="referrals/", module="referrals.ops_urls")``: its URL module
  (with its own ``app_name``) served under that prefix on the ops host; ``config.urls_ops``
  builds the host's URLconf from these.
- ``ops_section_register(key="referrals", url_name="ops-referrals:home", title=…,
  description=…, roles=BRANCH_ROLES, position=40)``: a card on the ops home and an entry in
  the ops nav (``id`` = ``ops-card-<key>`` / ``nav-ops-<key>``), shown only to the insurer
  roles in ``roles``. ``waiting`` is a function counting what waits there (a badge on the
  card); ``waiting_text`` (with ``%(count)s``) says what it counts, shown even at zero.

Each page still enforces its own roles (``accounts.decorators.insurer_view``);
``tests/policies/test_ops_access.py`` walks the ops URLconf and holds pages, home and nav to
the same roles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLResolver
from django.utils.functional import Promise

from core.mounts import UrlMount, UrlMounts


@dataclass(frozen=True)
class OpsSection:
    key: str
    url_name: str
    title: str | Promise
    description: str | Promise
    roles: tuple[str, ...]  # insurer roles that may open it
    position: int = 50
    waiting: Callable[[], int] | None = None
    waiting_text: str | Promise | None = None


OPS_URLS = UrlMounts("ops")
_sections: dict[str, OpsSection] = {}


def ops_urls_register(*, prefix: str, module: str, namespace: str | None = None) -> UrlMount:
    """Serve the URL module ``module`` under ``prefix`` on the ops host."""
    return OPS_URLS.register(prefix=prefix, module=module, namespace=namespace)


def ops_url_patterns() -> list[URLResolver]:
    """The ops host's registered URL modules (for ``config.urls_ops``)."""
    return OPS_URLS.patterns()


def ops_section_register(
    *,
    key: str,
    url_name: str,
    title: str | Promise,
    description: str | Promise,
    roles: tuple[str, ...],
    position: int = 50,
    waiting: Callable[[], int] | None = None,
    waiting_text: str | Promise | None = None,
) -> OpsSection:
    """A section of the ops home and nav (see the module's docstring). Registering the same
    section again changes nothing; two different sections under one key are refused."""
    section = OpsSection(
        key=key,
        url_name=url_name,
        title=title,
        description=description,
        roles=tuple(roles),
        position=position,
        waiting=waiting,
        waiting_text=waiting_text,
    )
    existing = _sections.setdefault(key, section)
    if existing != section:
        raise ImproperlyConfigured(
            f"The ops host already has a section {key!r} ({existing.url_name})."
        )
    return section


def ops_sections() -> list[OpsSection]:
    """Every section, in the nav's order."""
    return sorted(_sections.values(), key=lambda section: (section.position, section.key))


def ops_sections_for(user: Any) -> list[OpsSection]:
    """The sections ``user`` may open, in the nav's order (none for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [section for section in ops_sections() if user.has_insurer_role(*section.roles)]

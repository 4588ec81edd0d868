"""URL modules that apps mount on a host whose URLconf names none of them.

An app that owns a host's shell (``tenants``: the agency panel and the ops host) keeps a
:class:`UrlMounts` for it; every app registers its URL modules there from its
``AppConfig.ready``; the host's URLconf in ``config`` builds its patterns from it. So adding an
app edits no other app's URLs, and a walker of the host's URLconf finds every registered route.

A mount registered after the URLconf was built would never be served, so it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLResolver, include, path


@dataclass(frozen=True)
class UrlMount:
    prefix: str  # "offers/", "crm/cases/", or "" for the host's root
    module: str  # a URL module with its own ``app_name``: "referrals.panel_urls"
    namespace: str | None = None  # another instance namespace; None: the module's app_name


class UrlMounts:
    """The URL modules mounted on one host."""

    def __init__(self, host: str) -> None:
        self.host = host
        self._mounts: list[UrlMount] = []
        self._built = False

    def register(self, *, prefix: str, module: str, namespace: str | None = None) -> UrlMount:
        """Mount ``module`` at ``prefix`` (registering the same mount again changes nothing)."""
        mount = UrlMount(prefix=prefix, module=module, namespace=namespace)
        if mount in self._mounts:
            return mount
        if self._built:
            raise ImproperlyConfigured(
                f"{module} was mounted on the {self.host} host after its URLconf was built: "
                "register it in the app's AppConfig.ready()."
            )
        if prefix.startswith("/") or (prefix and not prefix.endswith("/")):
            raise ImproperlyConfigured(
                f"Mount {module} on the {self.host} host at a prefix such as 'offers/', "
                f"not {prefix!r}."
            )
        if any(existing.module == module for existing in self._mounts):
            raise ImproperlyConfigured(f"{module} is already mounted on the {self.host} host.")
        self._mounts.append(mount)
        return mount

    def mounts(self) -> list[UrlMount]:
        return list(self._mounts)

    def patterns(self) -> list[URLResolver]:
        """The host's patterns: longer prefixes first, so that ``settings/lines/`` is tried
        before the root's ``settings/``; mounts of one prefix in the order registered."""
        self._built = True
        ordered = sorted(self._mounts, key=lambda mount: -len(mount.prefix))
        return [
            path(mount.prefix, include(mount.module, namespace=mount.namespace))
            for mount in ordered
        ]

"""The pages people read on a host: every route of its URLconf without a parameter, less
files, actions and infrastructure. Used by the pages-at-scale benchmark and by the test
that holds every page's query count independent of how many rows there are."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

# Routes that are not pages people read (files, actions, infrastructure).
SKIP = (
    "admin/",
    "api/",
    "^api/",
    "static/",
    "media/",
    "i18n/",
    "healthz",
    "favicon.ico",
    "dev/",
    "accounts/",
    "login/",
    "logout/",
    "switch/",
    "hub/",
)
NOT_A_PAGE = re.compile(r"(\.(xlsx|csv|pdf|json)$|export|download|excel|print|badge|/count/)", re.I)


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def pages_of(urlconf: str, *, under: str = "") -> list[str]:
    """Every route of ``urlconf`` without a parameter that could be a page people read."""
    found = []
    for route in sorted(set(_walk(get_resolver(urlconf).url_patterns))):
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if "<" in route or "(" in route or any(route.startswith(skip) for skip in SKIP):
            continue
        if NOT_A_PAGE.search(route) or not route.startswith(under):
            continue
        found.append("/" + route)
    return found

"""The login hub: one login on every host when the session cookie cannot cover them all.

With a real domain the session cookie belongs to the parent domain and this is idle.
Browsers refuse a cookie for the whole of ``localhost`` (and later, an agency may have a
domain of its own), so there each host's cookie is its own. Then the main site is the
hub: a login anywhere is shared with the hub, and a login page on any other host first
asks the hub, which hands over the *same* session (so a logout anywhere ends it
everywhere). The hand-over carries a single-use nonce that expires in 30 seconds; the
session key itself never appears in a URL.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis import redis_client
from core.sites import main_site_url, normalize_host, site_url

NONCE_TTL_SECONDS = 30
HUB_PARAM = "hub"


def hub_enabled() -> bool:
    return bool(settings.LOGIN_HUB_ENABLED)


def is_hub(request) -> bool:
    return normalize_host(request.get_host()) == settings.BASE_DOMAIN.lower()


def is_platform_host(host: str) -> bool:
    host = normalize_host(host)
    base = settings.BASE_DOMAIN.lower()
    return host == base or host.endswith(f".{base}")


def _platform_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and "@" not in parts.netloc
        and is_platform_host(parts.netloc)
    )


def _key(nonce: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:accounts:hub:{nonce}"


def _stash(session_key: str) -> str | None:
    """A fresh nonce for ``session_key``; None while Redis is down (no hand-over then:
    each host keeps its own login, and the visitor can log in there)."""
    nonce = secrets.token_urlsafe(24)
    try:
        redis_client().set(_key(nonce), session_key, ex=NONCE_TTL_SECONDS)
    except REDIS_UNAVAILABLE:
        return None
    return nonce


def _take(nonce: str) -> str | None:
    try:
        value = redis_client().getdel(_key(nonce)) if nonce else None
    except REDIS_UNAVAILABLE:
        return None
    if not value:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _adopt_url(host: str, *, nonce: str, next_url: str) -> str:
    return site_url(host, "/accounts/hub/adopt/?" + urlencode({"nonce": nonce, "next": next_url}))


def redirect_to_hub_for_login(request) -> HttpResponse | None:
    """On a login page of another host: ask the hub whether the visitor is logged in there."""
    if (
        not hub_enabled()
        or is_hub(request)
        or request.method != "GET"
        or request.user.is_authenticated
        or HUB_PARAM in request.GET
    ):
        return None
    query = urlencode({"next": request.build_absolute_uri()})
    return HttpResponseRedirect(main_site_url(f"/accounts/hub/fetch/?{query}"))


def share_with_hub(request, next_url: str) -> HttpResponse | None:
    """After a login on another host: hand the new session to the hub too, then go on."""
    if not hub_enabled() or is_hub(request) or not request.session.session_key:
        return None
    request.session.save()
    nonce = _stash(request.session.session_key)
    if nonce is None:
        return None
    back = next_url if _platform_url(next_url) else request.build_absolute_uri(next_url)
    return HttpResponseRedirect(_adopt_url(settings.BASE_DOMAIN, nonce=nonce, next_url=back))


@never_cache
@require_GET
def hub_fetch(request):
    """On the hub: send the visitor back to ``next`` with this session, or say there is none."""
    next_url = request.GET.get("next", "")
    if not hub_enabled() or not _platform_url(next_url):
        return HttpResponseBadRequest("Bad next address.")
    parts = urlsplit(next_url)
    nonce = None
    if request.user.is_authenticated and request.session.session_key:
        nonce = _stash(request.session.session_key)
    if nonce is not None:
        relative = parts.path + (f"?{parts.query}" if parts.query else "")
        query = urlencode({"nonce": nonce, "next": relative})
        return HttpResponseRedirect(f"{parts.scheme}://{parts.netloc}/accounts/hub/adopt/?{query}")
    separator = "&" if parts.query else "?"
    return HttpResponseRedirect(f"{next_url}{separator}{HUB_PARAM}=none")


@never_cache
@require_GET
def hub_adopt(request):
    """On any host: take over the session named by a fresh nonce, then go to ``next``."""
    next_url = request.GET.get("next", "/")
    if not (next_url.startswith("/") and not next_url.startswith("//")) and not _platform_url(
        next_url
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    session_key = _take(request.GET.get("nonce", ""))
    if session_key and hub_enabled():
        store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=session_key)
        if store.get(SESSION_KEY):
            response.set_cookie(
                settings.SESSION_COOKIE_NAME,
                session_key,
                max_age=settings.SESSION_COOKIE_AGE,
                path=settings.SESSION_COOKIE_PATH,
                domain=settings.SESSION_COOKIE_DOMAIN,
                secure=bool(settings.SESSION_COOKIE_SECURE),
                httponly=bool(settings.SESSION_COOKIE_HTTPONLY),
                samesite=settings.SESSION_COOKIE_SAMESITE,
            )
    return response

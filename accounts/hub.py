"""The login hub: one login on every host when the session cookie cannot cover them all.

With a real domain the session cookie belongs to the parent domain and this is idle.
Browsers refuse a cookie for the whole of ``localhost`` (and later, an agency may have a
domain of its own), so there each host's cookie is its own. Then the main site is the
hub: a login anywhere is shared with the hub, and a login page on any other host first
asks the hub, which hands over the *same* session (so a logout anywhere ends it
everywhere).

A hand-over always runs between a *receiver* (the host that wants the session) and a
*giver* (the host that has it), in the browser that asked:

1. the receiver sets a short-lived, host-only, HttpOnly random "hand-over state" cookie
   and sends the browser to the giver's ``fetch`` with only the state's hash;
2. the giver stores a single-use nonce (30 seconds) naming its session *and* that hash,
   and sends the browser to the receiver's ``adopt`` with the nonce;
3. the receiver takes the nonce (gone at the first attempt, right or wrong) and sets its
   session cookie only if the browser's state cookie hashes to the stored hash.

The session key never appears in a URL; a hand-over link copied to another browser (or
sent to a victim to log them into someone else's session) finds no matching state
cookie there and logs nobody in. Login page → hub: the login page is the receiver, the
hub the giver. A login elsewhere → hub: the hub's ``start`` is the receiver, the host
where the login happened the giver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis import redis_client
from core.sites import main_site_url, normalize_host, site_url

NONCE_TTL_SECONDS = 30
STATE_TTL_SECONDS = 120
STATE_COOKIE = "hub_state"
STATE_COOKIE_PATH = "/accounts/hub/"
HUB_PARAM = "hub"
_STATE_HASH = re.compile(r"[0-9a-f]{64}")
_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def hub_enabled() -> bool:
    return bool(settings.LOGIN_HUB_ENABLED)


def is_hub(request) -> bool:
    return normalize_host(request.get_host()) == settings.BASE_DOMAIN.lower()


def is_platform_host(host: str) -> bool:
    """``host`` (a name, with or without a port) is the platform's domain or one under it;
    nothing but a plain host name passes (``evil.example\\.localhost`` does not)."""
    host = normalize_host(host)
    base = settings.BASE_DOMAIN.lower()
    return bool(_HOST_NAME.fullmatch(host)) and (host == base or host.endswith(f".{base}"))


def _platform_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and "@" not in parts.netloc
        and is_platform_host(parts.netloc)
    )


def _local_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//") and "\\" not in url


def _with_hub_none(url: str) -> str:
    """``url`` with ``hub=none``: the login page there shows its form instead of asking again."""
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{HUB_PARAM}=none"


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _key(nonce: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:accounts:hub:{nonce}"


def _stash(session_key: str, state_hash: str) -> str | None:
    """A fresh nonce for ``session_key`` bound to the receiver's state; None while Redis is
    down (no hand-over then: each host keeps its own login, and the visitor can log in there)."""
    nonce = secrets.token_urlsafe(24)
    value = json.dumps({"session": session_key, "state": state_hash})
    try:
        redis_client().set(_key(nonce), value, ex=NONCE_TTL_SECONDS)
    except REDIS_UNAVAILABLE:
        return None
    return nonce


def _take(nonce: str) -> tuple[str, str] | None:
    """The session and state hash a nonce names; the nonce is gone whatever follows."""
    try:
        value = redis_client().getdel(_key(nonce)) if nonce else None
    except REDIS_UNAVAILABLE:
        return None
    if not value:
        return None
    try:
        stored = json.loads(value)
        return str(stored["session"]), str(stored["state"])
    except (ValueError, TypeError, KeyError):
        return None


def _ask_giver(request, *, giver_host: str, receiver_host: str, next_url: str) -> HttpResponse:
    """Step 1, on the receiver: mark this browser, then ask ``giver_host`` for its session."""
    state = secrets.token_urlsafe(32)
    query = urlencode({"next": next_url, "to": receiver_host, "state": _state_hash(state)})
    response = HttpResponseRedirect(site_url(giver_host, f"/accounts/hub/fetch/?{query}"))
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=STATE_TTL_SECONDS,
        path=STATE_COOKIE_PATH,
        domain=None,  # this host only
        secure=request.is_secure() or bool(settings.SESSION_COOKIE_SECURE),
        httponly=True,
        samesite="Lax",  # sent when the giver's redirect brings the browser back
    )
    return response


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
    return _ask_giver(
        request,
        giver_host=settings.BASE_DOMAIN,
        receiver_host=normalize_host(request.get_host()),
        next_url=request.build_absolute_uri(),
    )


def share_with_hub(request, next_url: str) -> HttpResponse | None:
    """After a login on another host: let the hub receive the new session too, then go on."""
    if not hub_enabled() or is_hub(request) or not request.session.session_key:
        return None
    request.session.save()
    back = next_url if _platform_url(next_url) else request.build_absolute_uri(next_url)
    query = urlencode({"giver": normalize_host(request.get_host()), "next": back})
    return HttpResponseRedirect(main_site_url(f"/accounts/hub/start/?{query}"))


@never_cache
@require_GET
def hub_start(request):
    """On the hub, after a login elsewhere: receive the session of ``giver``, then go to ``next``."""
    giver = request.GET.get("giver", "")
    next_url = request.GET.get("next", "")
    if (
        not hub_enabled()
        or not is_hub(request)
        or not is_platform_host(giver)
        or normalize_host(giver) == normalize_host(request.get_host())
        or not _platform_url(next_url)
    ):
        return HttpResponseBadRequest(_("This login link is not valid."))
    return _ask_giver(
        request,
        giver_host=normalize_host(giver),
        receiver_host=normalize_host(request.get_host()),
        next_url=next_url,
    )


@never_cache
@require_GET
def hub_fetch(request):
    """Step 2, on the giver: send the browser to the receiver ``to`` with a nonce for this
    session bound to the receiver's state, or back to ``next`` saying there is none."""
    next_url = request.GET.get("next", "")
    receiver = request.GET.get("to") or urlsplit(next_url).netloc
    state_hash = request.GET.get("state", "")
    if (
        not hub_enabled()
        or not _platform_url(next_url)
        or not is_platform_host(receiver)
        or not _STATE_HASH.fullmatch(state_hash)
    ):
        return HttpResponseBadRequest(_("This login link is not valid."))
    receiver = normalize_host(receiver)
    nonce = None
    if request.user.is_authenticated and request.session.session_key:
        nonce = _stash(request.session.session_key, state_hash)
    if nonce is not None:
        parts = urlsplit(next_url)
        if normalize_host(parts.netloc) == receiver:
            next_url = parts.path + (f"?{parts.query}" if parts.query else "")
        query = urlencode({"nonce": nonce, "next": next_url})
        return HttpResponseRedirect(site_url(receiver, f"/accounts/hub/adopt/?{query}"))
    return HttpResponseRedirect(_with_hub_none(next_url))


@never_cache
@require_GET
def hub_adopt(request):
    """Step 3, on the receiver: take over the session named by a fresh nonce if this browser
    holds the state the nonce was made for, then go to ``next``."""
    next_url = request.GET.get("next", "/")
    if not _local_path(next_url) and not _platform_url(next_url):
        next_url = "/"
    taken = _take(request.GET.get("nonce", ""))
    state = request.COOKIES.get(STATE_COOKIE, "")
    session_key = None
    if taken and state and hub_enabled():
        candidate, state_hash = taken
        if hmac.compare_digest(_state_hash(state), state_hash):
            store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=candidate)
            if store.get(SESSION_KEY):
                session_key = candidate
    response = HttpResponseRedirect(next_url if session_key else _with_hub_none(next_url))
    response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH)
    if session_key:
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

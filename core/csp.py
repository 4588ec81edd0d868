"""Content-Security-Policy on every response, with a per-request nonce.

Shaped like the CSP support Django 6.0 brings (``SECURE_CSP``, ``CSP.NONCE``,
``request.csp_nonce``, a ``csp_nonce`` template variable, ``csp_override``), so that moving
to it later is a change of imports. A template marks an inline ``<script>`` or ``<style>``
that must run with ``nonce="{{ csp_nonce }}"``; the nonce is made only when a template asks
for it, and only then does the header name it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from functools import wraps
from typing import Any

from django.conf import settings
from django.utils.functional import SimpleLazyObject, empty

HEADER = "Content-Security-Policy"


class CSP(StrEnum):
    """Source keywords for ``SECURE_CSP`` (strings work as well)."""

    SELF = "'self'"
    NONE = "'none'"
    NONCE = "<CSP_NONCE_SENTINEL>"
    STRICT_DYNAMIC = "'strict-dynamic'"
    UNSAFE_INLINE = "'unsafe-inline'"


class LazyNonce(SimpleLazyObject):
    """A random nonce, made the first time it is read (in a template, say)."""

    def __init__(self) -> None:
        super().__init__(lambda: secrets.token_urlsafe(16))

    def __bool__(self) -> bool:
        return self._wrapped is not empty


def build_policy(config: Mapping[str, Any], nonce: str | None = None) -> str:
    """``{"script-src": [CSP.SELF, CSP.NONCE]}`` → ``script-src 'self' 'nonce-…'``.

    A directive whose value is ``True`` is written alone (``upgrade-insecure-requests``);
    ``CSP.NONCE`` becomes the nonce, or is left out when there is none.
    """
    parts = []
    for directive, value in config.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(directive)
            continue
        sources = [value] if isinstance(value, str) else list(value)
        written = []
        for source in sources:
            if source == CSP.NONCE:
                if nonce:
                    written.append(f"'nonce-{nonce}'")
            elif source not in written:
                written.append(str(source))
        parts.append(" ".join([directive, *written]))
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Gives each request a lazy ``csp_nonce`` and each response the policy of
    ``SECURE_CSP`` (or of ``csp_override`` on the view), unless it already has one."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = LazyNonce()
        response = self.get_response(request)
        if HEADER in response:
            return response
        config = getattr(response, "_csp_config", None)
        if config is None:
            config = getattr(settings, "SECURE_CSP", None)
        if not config:
            return response
        if settings.DEBUG and response.status_code in (404, 500) and not request.csp_nonce:
            # Django's own debug pages (inline styles and scripts) stay readable.
            return response
        nonce = str(request.csp_nonce) if request.csp_nonce else None
        response[HEADER] = build_policy(config, nonce)
        return response


def csp_override(config: Mapping[str, Sequence[str] | bool]) -> Callable:
    """A view decorator: its responses carry ``config`` instead of ``SECURE_CSP``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response._csp_config = config
            return response

        return wrapped

    return decorator


def csp(request) -> dict[str, Any]:
    """Template context processor: ``{{ csp_nonce }}``."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}

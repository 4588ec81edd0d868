"""Absolute addresses of the platform's hosts (no business words: just host names)."""

from __future__ import annotations

from django.conf import settings


def normalize_host(host: str) -> str:
    """``AR685.Localhost:8000`` → ``ar685.localhost``."""
    return host.split(":", 1)[0].strip().lower().rstrip(".")


def site_url(host: str, path: str = "/") -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}{path}"


def main_site_url(path: str = "/") -> str:
    return site_url(settings.BASE_DOMAIN, path)


def panel_url(path: str = "/") -> str:
    return site_url(f"panel.{settings.BASE_DOMAIN}", path)

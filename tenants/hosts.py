"""Host → site resolution (S-1.2), cached so that a warm request makes no database query.

The cache lives in Redis (shared by every web process) and is invalidated by
``tenants.signals`` whenever an agency or a domain changes, so a change is seen at once.
While Redis is down every resolution reads the database; a change to an agency or a domain
is refused then (its cached resolution could not be dropped and would outlive the outage).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from core.sites import main_site_url, normalize_host, panel_url, site_url
from tenants.models import Agency, Domain

__all__ = ["main_site_url", "normalize_host", "panel_url", "site_url"]

MAIN, AGENCY, PANEL, OPS, INACTIVE = "main", "agency", "panel", "ops", "inactive"
_CACHE_PREFIX = "tenants:host:"
_UNKNOWN = "unknown"
UNKNOWN_HOST_TTL = 300


@dataclass(frozen=True)
class HostMatch:
    site: str
    agency: Agency | None = None
    status_code: int = 200


def host_cache_key(host: str) -> str:
    return f"{_CACHE_PREFIX}{normalize_host(host)}"


def _agency_for_domain(host: str) -> Agency | None:
    key = host_cache_key(host)
    try:
        cached = cache.get(key)
    except REDIS_UNAVAILABLE:
        # Redis down: the database answers (a query per request until Redis is back).
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        return domain.tenant if domain is not None else None
    if cached == _UNKNOWN:
        return None
    if isinstance(cached, Agency):
        return cached
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    agency = domain.tenant if domain is not None else None
    try:
        if agency is None:
            cache.set(key, _UNKNOWN, UNKNOWN_HOST_TTL)
        else:
            cache.set(key, agency, None)
    except REDIS_UNAVAILABLE:
        pass  # not kept this time; the next request reads the database again
    return agency


def resolve_host(host: str) -> HostMatch:
    """Tell which site a host name serves, and for an agency site, which agency."""
    host = normalize_host(host)
    base = settings.BASE_DOMAIN.lower()
    if host in (base, f"www.{base}"):
        return HostMatch(MAIN)
    if host == f"panel.{base}":
        return HostMatch(PANEL)
    if host == f"ops.{base}":
        return HostMatch(OPS)
    agency = _agency_for_domain(host)
    if agency is None:
        return HostMatch(INACTIVE, status_code=404)
    if agency.status == Agency.Status.SUSPENDED:
        return HostMatch(INACTIVE, agency=agency, status_code=410)
    if agency.status != Agency.Status.ACTIVE:
        return HostMatch(INACTIVE, agency=agency, status_code=404)
    return HostMatch(AGENCY, agency=agency)


def host_cache_forget(*hosts: str) -> None:
    """Drop cached resolutions so the next request reads the database again."""
    keys = [host_cache_key(host) for host in hosts if host]
    if keys:
        cache.delete_many(keys)


def host_cache_forget_agency(agency_id: int) -> None:
    hosts = list(Domain.objects.filter(tenant_id=agency_id).values_list("domain", flat=True))
    host_cache_forget(*hosts)


def agency_site_url(agency: Agency, path: str = "/") -> str:
    """The absolute URL of a page on an agency's site."""
    return site_url(f"{Agency.subdomain_for(agency.code)}.{settings.BASE_DOMAIN}", path)

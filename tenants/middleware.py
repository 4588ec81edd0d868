"""Host routing (S-1.2): each request is bound to its site, schema and URLconf at the edge."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import set_urlconf

from tenants.db import connection
from tenants.hosts import AGENCY, INACTIVE, MAIN, HostMatch, resolve_host


class HostRoutingMiddleware:
    """Resolve the host once and put the result on the request.

    ``request.site_kind`` is main / agency / panel / ops; ``request.agency`` is the agency
    whose site this is (``None`` elsewhere). An unknown, pending or suspended agency host
    gets the "this site is not active" page and never reaches a view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        if request.path == "/healthz":
            # Probes call by IP or any name: the health check answers on every host.
            match = HostMatch(MAIN)
        else:
            match = resolve_host(request.get_host())
        request.site_kind = match.site
        request.agency = match.agency if match.site == AGENCY else None
        if match.site == INACTIVE:
            response = render(
                request,
                "tenants/site_inactive.html",
                {"suspended": match.status_code == 410},
                status=match.status_code,
            )
            return response
        if request.agency is not None:
            connection.set_tenant(request.agency)
            request.tenant = request.agency
        urlconf = settings.URLCONF_BY_SITE[match.site]
        request.urlconf = urlconf
        set_urlconf(urlconf)
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()

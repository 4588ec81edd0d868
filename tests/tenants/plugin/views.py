from __future__ import annotations

from django.http import HttpResponse

from accounts.decorators import insurer_view
from tenants.panel.base import panel_view


@panel_view
def panel_home(request) -> HttpResponse:
    return HttpResponse(f"plugin home of agency {request.agency.code}")


@panel_view
def panel_badge(request) -> HttpResponse:
    return HttpResponse("7")


@panel_view(manage=True)
def panel_book(request) -> HttpResponse:
    return HttpResponse(f"plugin book of agency {request.agency.code}")


@insurer_view(roles=("operator", "admin"))
def ops_home(request) -> HttpResponse:
    return HttpResponse("plugin ops home")

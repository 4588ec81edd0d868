"""An agency-site URLconf for the connection tests: one view that reads the agency's own rows
twice (two statements in one request), behind the whole middleware stack."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path

from tenants.content.models import Page


def probe(request):
    first = list(Page.objects.filter(slug="probe").values_list("title", flat=True))
    second = list(
        Page.objects.filter(slug="probe", is_published=True).values_list("title", flat=True)
    )
    return JsonResponse({"titles": first + second})


urlpatterns = [path("probe/", probe)]

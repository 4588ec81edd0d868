"""An agency-site URLconf for the connection tests: one view that reads the agency's own rows
twice (two statements in one request), behind the whole middleware stack."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path

from core.db import replica
from tenants.content.models import Page


def probe(request):
    first = list(Page.objects.filter(slug="probe").values_list("title", flat=True))
    second = list(
        Page.objects.filter(slug="probe", is_published=True).values_list("title", flat=True)
    )
    return JsonResponse({"titles": first + second})


urlpatterns = [path("probe/", probe)]


@replica()
def probe_replica(request):
    """The same read, marked as one the replica may answer."""
    return JsonResponse({"titles": list(Page.objects.values_list("title", flat=True))})


def page_write(request):
    Page.objects.create(slug=request.POST["slug"], title=request.POST["title"])
    return JsonResponse({"ok": True})


urlpatterns += [path("probe/replica/", probe_replica), path("probe/write/", page_write)]

"""The main site's URLs plus ``bench/ping``: Django's floor through the same middleware."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from config.urls_main import urlpatterns as main_patterns


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/ping", ping, name="bench-ping"), *main_patterns]

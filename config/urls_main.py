"""The main sales site: bare domain and www."""

from django.contrib import admin
from django.urls import path

from config.urls_common import api_patterns, common_patterns, storefront_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    *api_patterns,  # first: the quote API is the busiest request
    path("admin/", admin.site.urls),
    *common_patterns,
    *storefront_patterns,
]

"""The insurer's virtual branch: ops.

Each app mounts its ops pages from its ``AppConfig.ready`` (``tenants.ops.registry``)."""

from django.contrib import admin
from django.urls import include, path

from config.urls_common import api_patterns, common_patterns
from tenants.ops.registry import ops_url_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    *common_patterns,
    *api_patterns,
    path("accounts/", include("accounts.urls")),
    *ops_url_patterns(),
]

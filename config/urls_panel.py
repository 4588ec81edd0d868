"""The agency panel: panel.

Each app mounts its panel pages from its ``AppConfig.ready`` (``tenants.panel.registry``)."""

from django.urls import include, path

from config.urls_common import common_patterns
from tenants.panel.registry import panel_url_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    *common_patterns,
    path("accounts/", include("accounts.urls")),
    *panel_url_patterns(),
]

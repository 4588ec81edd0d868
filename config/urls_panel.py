"""The agency panel: panel."""

from django.urls import include, path

from config.urls_common import common_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    *common_patterns,
    path("accounts/", include("accounts.urls")),
    path("sales/", include("policies.panel_urls")),
    path("offers/", include("referrals.panel_urls")),
    path("customers/", include("policies.panel_customer_urls")),
    path("settings/lines/", include("policies.panel_lines_urls")),
    path("commissions/", include("settlement.panel_urls")),
    path("", include("tenants.panel.urls")),
]

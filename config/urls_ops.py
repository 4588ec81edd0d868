"""The insurer's virtual branch: ops."""

from django.contrib import admin
from django.urls import include, path

from config.urls_common import api_patterns, common_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    *common_patterns,
    *api_patterns,
    path("accounts/", include("accounts.urls")),
    path("referrals/", include("referrals.ops_urls")),
    path("control/", include("tenants.ops_urls")),
    path("plans/", include("policies.ops_plans_urls")),
    path("settlement/", include("settlement.ops_urls")),
    path("commissions/", include("settlement.ops_commission_urls")),
    path("reports/", include("reports.ops_urls")),
    path("audit/", include("reports.ops_audit_urls")),
    path("", include("policies.ops_urls")),
]

"""URL patterns every host serves."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.views import dev_bank, dev_sms_outbox, favicon, healthz

common_patterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dev/sms/", dev_sms_outbox, name="dev-sms"),
    path("dev/bank/<str:token>/", dev_bank, name="dev-bank"),
]

api_patterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/auth/", include("accounts.api.urls")),
    path("api/agencies/", include("tenants.api.urls")),
    path("api/", include("policies.api.urls")),
]

storefront_patterns = [
    path("", include("tenants.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("policies.urls")),
]

"""URL patterns every host serves."""

from django.conf import settings
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api import api_not_found
from core.views import dev_bank, dev_sms_outbox, favicon, healthz, public_media
from policies.api.quotes import quote_create_view
from tenants.storefront import storefront_url_patterns

common_patterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Public media (logos, banners) in every mode; private files have no URL (decision 018).
    path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", public_media, name="public-media"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("dev/sms/", dev_sms_outbox, name="dev-sms"),
    path("dev/bank/<str:token>/", dev_bank, name="dev-bank"),
]

# Listed first on every site that serves the API: the premium inquiry is the busiest request
# of the platform, and Django tries a site's patterns in order.
api_patterns = [
    path("api/quotes/", quote_create_view, name="api-quote-create"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script from a URL of its own (no inline script).
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="core/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/auth/", include("accounts.api.urls")),
    path("api/agencies/", include("tenants.api.urls")),
    path("api/crm/", include("crm.api.urls")),
    path("api/agency-applications/", include("onboarding.api.urls")),
    path("api/advice/", include("advice.api.urls")),
    path("api/claims/", include("claims.api.urls")),
    path("api/cancellations/", include("cancellations.api.urls")),
    path("api/support/", include("support.api.urls")),
    path("api/", include("policies.api.urls")),
    # Anything else under /api/ (or an id of the wrong form) is a JSON 404, not an HTML page.
    re_path(r"^api/", api_not_found),
]

storefront_patterns = [
    path("", include("tenants.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("policies.urls")),
    # What the apps above tenants mount on the storefront (tenants.storefront).
    *storefront_url_patterns(),
]

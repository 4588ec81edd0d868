"""An agency's site arNNN.: the same storefront; every sale belongs to the agency."""

from django.conf import settings
from django.conf.urls.static import static

from config.urls_common import api_patterns, common_patterns, storefront_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    *common_patterns,
    *api_patterns,
    *storefront_patterns,
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

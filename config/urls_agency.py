"""An agency's site arNNN.: the same storefront; every sale belongs to the agency."""

from config.urls_common import api_patterns, common_patterns, storefront_patterns

# A part that is down before any view ran (core.degraded): 503 "try again", not 500.
handler500 = "core.degraded.server_error"

urlpatterns = [
    *api_patterns,  # first: the quote API is the busiest request
    *common_patterns,
    *storefront_patterns,
]

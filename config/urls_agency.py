"""An agency's site arNNN.: the same storefront; every sale belongs to the agency."""

from config.urls_common import api_patterns, common_patterns, storefront_patterns

urlpatterns = [
    *common_patterns,
    *api_patterns,
    *storefront_patterns,
]

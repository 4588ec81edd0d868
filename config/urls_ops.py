"""The insurer's virtual branch: ops."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from config.urls_common import api_patterns, common_patterns

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    *common_patterns,
    *api_patterns,
]

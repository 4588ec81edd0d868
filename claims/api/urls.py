"""The claims API (decision 017's contract)."""

from __future__ import annotations

from django.urls import URLPattern, path

from claims.api import views

# Names are global and start with "api-claims-" (no namespace, as the other API modules).
urlpatterns: list[URLPattern] = [
    path("", views.ClaimListCreateApi.as_view(), name="api-claims-list"),
    path("<uuid:filed_claim_id>/", views.ClaimDetailApi.as_view(), name="api-claims-detail"),
    path(
        "<uuid:filed_claim_id>/documents/",
        views.ClaimDocumentApi.as_view(),
        name="api-claims-documents",
    ),
]

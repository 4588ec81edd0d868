"""The agency sign-up API (decision 017's contract)."""

from __future__ import annotations

from django.urls import path

from onboarding.api import views

# Names are global and start with "api-onboarding-" (no namespace, as the other API modules).
urlpatterns = [
    path("", views.ApplicationListCreateApi.as_view(), name="api-onboarding-applications"),
    path(
        "<uuid:application_id>/",
        views.ApplicationDetailApi.as_view(),
        name="api-onboarding-application",
    ),
    path(
        "<uuid:application_id>/licence/",
        views.ApplicationLicenceApi.as_view(),
        name="api-onboarding-licence",
    ),
    path(
        "<uuid:application_id>/submit/",
        views.ApplicationSubmitApi.as_view(),
        name="api-onboarding-submit",
    ),
]

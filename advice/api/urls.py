"""The advice requests API (decision 017's contract)."""

from __future__ import annotations

from django.urls import URLPattern, path

from advice.api import views

# Names are global and start with "api-advice-" (no namespace, as the other API modules).
urlpatterns: list[URLPattern] = [
    path("requests/", views.RequestListCreateApi.as_view(), name="api-advice-requests"),
    path(
        "requests/<int:advice_request_id>/",
        views.RequestDetailApi.as_view(),
        name="api-advice-request",
    ),
    path(
        "requests/<int:advice_request_id>/accept/",
        views.RequestAcceptApi.as_view(),
        name="api-advice-request-accept",
    ),
    path(
        "requests/<int:advice_request_id>/cancel/",
        views.RequestCancelApi.as_view(),
        name="api-advice-request-cancel",
    ),
    path(
        "requests/<int:advice_request_id>/rating/",
        views.RequestRatingApi.as_view(),
        name="api-advice-request-rating",
    ),
    path("offered/", views.OfferedListApi.as_view(), name="api-advice-offered"),
    path(
        "offered/<int:advice_request_id>/",
        views.OfferedDetailApi.as_view(),
        name="api-advice-offered-request",
    ),
    path(
        "offered/<int:advice_request_id>/answer/",
        views.OfferedAnswerApi.as_view(),
        name="api-advice-offered-answer",
    ),
]

"""The cancellations API (decision 017's contract)."""

from __future__ import annotations

from django.urls import URLPattern, path

from cancellations.api import views

# Names are global and start with "api-cancellations-" (no namespace, as the other API modules).
urlpatterns: list[URLPattern] = [
    path("", views.CancellationListCreateApi.as_view(), name="api-cancellations-list"),
    path("quote/", views.CancellationQuoteApi.as_view(), name="api-cancellations-quote"),
    path(
        "<uuid:cancellation_id>/",
        views.CancellationDetailApi.as_view(),
        name="api-cancellations-detail",
    ),
    path(
        "<uuid:cancellation_id>/withdraw/",
        views.CancellationWithdrawApi.as_view(),
        name="api-cancellations-withdraw",
    ),
    path(
        "queue/<int:queue_id>/decide/",
        views.CancellationDecideApi.as_view(),
        name="api-cancellations-decide",
    ),
]

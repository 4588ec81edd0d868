"""The cancellation queue on the ops host."""

from __future__ import annotations

from django.urls import path

from cancellations import ops_views

app_name = "ops-cancellations"

urlpatterns = [
    path("", ops_views.queue, name="queue"),
    path("<int:cancellation_id>/", ops_views.detail, name="detail"),
    path("<int:cancellation_id>/decide/", ops_views.decide, name="decide"),
]

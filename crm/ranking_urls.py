"""Customer ranking in the agency panel, at ``ranking/``: weights and recompute."""

from django.urls import path

from crm import ranking_views as views

app_name = "panel-ranking"
urlpatterns = [
    path("", views.ranking_weights_view, name="weights"),
    path("recompute/", views.ranking_recompute_view, name="recompute"),
]

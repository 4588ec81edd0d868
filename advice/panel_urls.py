"""Advice requests in the agency panel, mounted at ``advice/`` on the panel host."""

from django.urls import path

from advice import panel_views as views

app_name = "panel-advice"
urlpatterns = [
    path("", views.offered_list, name="list"),
    path("badge/", views.offered_badge, name="badge"),
    path("<int:advice_request_id>/", views.offered_detail, name="detail"),
]

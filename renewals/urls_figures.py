"""The renewal figures and settings on the panel host, mounted at ``renewals/``
(renewals.mounts, block ``_figures``): fixed paths, no ids."""

from django.urls import path

from renewals import views_figures as views

app_name = "panel-renewal-figures"
urlpatterns = [
    path("figures/", views.retention_view, name="retention"),
    path("figures/points/", views.points_view, name="points"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/staff/", views.staff_update_view, name="staff"),
]

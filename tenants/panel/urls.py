from django.urls import path

from tenants.panel import views

app_name = "panel"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.panel_login, name="login"),
    path("switch/<int:agency_id>/", views.switch_agency, name="switch"),
]

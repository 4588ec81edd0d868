from django.urls import path

from tenants.panel import settings_views, views

app_name = "panel"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.panel_login, name="login"),
    path("switch/<int:agency_id>/", views.switch_agency, name="switch"),
    path("settings/", settings_views.agency_settings, name="settings"),
    path("content/", settings_views.content_home, name="content"),
    path("content/pages/add/", settings_views.page_add, name="page-add"),
    path("content/pages/<int:page_id>/", settings_views.page_edit, name="page-edit"),
    path("content/pages/<int:page_id>/delete/", settings_views.page_delete, name="page-delete"),
    path("content/banners/add/", settings_views.banner_add, name="banner-add"),
    path("content/banners/<int:banner_id>/", settings_views.banner_edit, name="banner-edit"),
    path(
        "content/banners/<int:banner_id>/delete/",
        settings_views.banner_delete,
        name="banner-delete",
    ),
    path("staff/", settings_views.staff, name="staff"),
    path("staff/<int:membership_id>/role/", settings_views.staff_role, name="staff-role"),
    path("staff/<int:membership_id>/active/", settings_views.staff_active, name="staff-active"),
]

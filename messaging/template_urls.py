"""SMS templates in the agency panel, at ``sms/templates/``."""

from django.urls import path

from messaging import template_views as views

app_name = "panel-sms-templates"
urlpatterns = [
    path("", views.template_list_view, name="list"),
    path("new/", views.template_create_view, name="create"),
    path("preview/", views.template_preview_view, name="preview"),
    path("<int:template_id>/", views.template_edit_view, name="edit"),
    path("<int:template_id>/delete/", views.template_delete_view, name="delete"),
]

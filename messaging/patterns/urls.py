"""Contact patterns in the agency panel, at ``sms/patterns/``."""

from django.urls import path

from messaging.patterns import views

app_name = "panel-sms-patterns"
urlpatterns = [
    path("", views.pattern_list_view, name="list"),
    path("new/", views.pattern_create_view, name="create"),
    path("<int:pattern_id>/", views.pattern_detail_view, name="detail"),
    path("<int:pattern_id>/edit/", views.pattern_edit_view, name="edit"),
    path("<int:pattern_id>/switch/", views.pattern_switch_view, name="switch"),
    path("<int:pattern_id>/delete/", views.pattern_delete_view, name="delete"),
]

"""Bulk sends in the agency panel, at ``sms/bulk/`` (messaging.mounts)."""

from django.urls import path

from messaging.bulk import views

app_name = "panel-sms-bulk"
urlpatterns = [
    path("", views.bulk_list_view, name="list"),
    path("new/", views.bulk_create_view, name="create"),
    path("<int:bulk_id>/", views.bulk_detail_view, name="detail"),
    path("<int:bulk_id>/send/", views.bulk_schedule_view, name="schedule"),
    path("<int:bulk_id>/cancel/", views.bulk_cancel_view, name="cancel"),
    path("<int:bulk_id>/progress/", views.bulk_progress_view, name="progress"),
]

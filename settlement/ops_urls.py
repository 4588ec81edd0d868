"""Settlement with the core issuing system on the ops host, mounted at ``settlement/``."""

from django.urls import path

from settlement import ops_views as views

app_name = "ops-settlement"
urlpatterns = [
    path("", views.home, name="home"),
    path("build/", views.build, name="build"),
    path("exports/", views.export_create, name="export-create"),
    path("exports/<int:export_id>/", views.export_detail, name="export"),
    path("exports/<int:export_id>/progress/", views.export_progress, name="export-progress"),
    path("exports/<int:export_id>/file.<str:kind>", views.export_file, name="export-file"),
    path("exports/<int:export_id>/again/", views.export_repeat, name="export-repeat"),
    path(
        "exports/<int:export_id>/confirmations/",
        views.confirmation_upload,
        name="confirmation-upload",
    ),
    path("confirmations/<int:confirmation_id>/", views.confirmation_detail, name="confirmation"),
    path(
        "confirmations/<int:confirmation_id>/progress/",
        views.confirmation_progress,
        name="confirmation-progress",
    ),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
]

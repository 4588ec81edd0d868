"""Agency applications on the ops host, mounted at ``agency-applications/``."""

from django.urls import path

from onboarding import ops_views as views

app_name = "ops-applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("<int:application_id>/", views.application_detail, name="detail"),
    path("<int:application_id>/licence/", views.application_licence, name="licence"),
    path("<int:application_id>/approve/", views.application_approve, name="approve"),
    path("<int:application_id>/reject/", views.application_reject, name="reject"),
    path("<int:application_id>/correction/", views.application_correction, name="correction"),
]

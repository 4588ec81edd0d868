"""Follow-up calls after issuance in the agency panel, at ``renewals/followup/``."""

from django.urls import path

from renewals import views_followup as views

app_name = "panel-renewals-followup"
urlpatterns = [
    path("", views.followup_calls_view, name="calls"),
    path("correct/", views.followup_corrections_view, name="corrections"),
    path("badge/", views.followup_badge_view, name="badge"),
    path("<int:followup_id>/result/", views.followup_result_view, name="result"),
    path("<int:followup_id>/correct/", views.followup_correct_view, name="correct"),
]

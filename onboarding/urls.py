"""Agency sign-up on the storefront, mounted at ``agency-signup/`` (main site only)."""

from django.urls import path

from onboarding import views

app_name = "onboarding"
urlpatterns = [
    path("", views.signup_home, name="home"),
    path("terms/", views.signup_terms, name="terms"),
    path("apply/", views.signup_apply, name="apply"),
    path("<uuid:application_id>/", views.application_detail, name="detail"),
    path("<uuid:application_id>/edit/", views.application_edit, name="edit"),
    path("<uuid:application_id>/documents/", views.application_documents, name="documents"),
    path("<uuid:application_id>/submit/", views.application_submit, name="submit"),
]

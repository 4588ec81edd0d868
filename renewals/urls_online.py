"""The renewal link on agency sites, at ``renew/`` (decision 043)."""

from django.urls import path

from renewals import views_online as views

app_name = "renewals-online"
urlpatterns = [
    path("<str:renewal_token>/", views.renew_open, name="open"),
]

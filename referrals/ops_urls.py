"""Referrals on the ops host, mounted at ``referrals/``."""

from django.urls import path

from referrals import ops_views as views

app_name = "ops-referrals"
urlpatterns = [
    path("", views.referrals_home, name="home"),
    path("<uuid:order_id>/", views.referral_detail, name="detail"),
]

"""The customer's cancellation pages, on the main site and every agency site."""

from __future__ import annotations

from django.urls import path

from cancellations import views

app_name = "cancellations"

urlpatterns = [
    path("", views.cancellation_list, name="list"),
    path("policies/<str:number>/", views.request_cancellation, name="request"),
    path("<uuid:cancellation_id>/", views.cancellation_detail, name="detail"),
    path("<uuid:cancellation_id>/withdraw/", views.cancellation_withdraw_view, name="withdraw"),
]

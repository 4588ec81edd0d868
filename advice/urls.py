"""The customer's advice requests, at ``advice/`` on the storefront (main site)."""

from django.urls import path

from advice import views

app_name = "advice"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("<int:advice_request_id>/", views.request_detail, name="detail"),
    path("<int:advice_request_id>/accept/", views.request_accept, name="accept"),
    path("<int:advice_request_id>/cancel/", views.request_cancel, name="cancel"),
    path("<int:advice_request_id>/rate/", views.request_rate, name="rate"),
]

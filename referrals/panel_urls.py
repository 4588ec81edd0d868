"""Offers in the agency panel, mounted at ``offers/`` on the panel host."""

from django.urls import path

from referrals import panel_views as views

app_name = "panel-offers"
urlpatterns = [
    path("", views.offer_list, name="list"),
    path("waiting/", views.offers_waiting, name="waiting"),
    path("badge/", views.offers_badge, name="badge"),
    path("<int:offer_id>/", views.offer_detail, name="detail"),
    path("<int:offer_id>/accept/", views.offer_accept_view, name="accept"),
    path("<int:offer_id>/decline/", views.offer_decline_view, name="decline"),
]

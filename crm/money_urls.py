"""Cheques, promissory notes and debit notes in the agency panel, at ``cheques/``."""

from django.urls import path

from crm import money_views as views

app_name = "panel-cheques"
urlpatterns = [
    path("", views.instrument_list_view, name="list"),
    path("customer/<int:customer_id>/new/", views.instrument_create_view, name="create"),
    path("<int:instrument_id>/", views.instrument_edit_view, name="edit"),
    path("<int:instrument_id>/state/", views.instrument_state_view, name="state"),
]

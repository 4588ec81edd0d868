"""The book in the agency panel, mounted at ``book/`` (crm.mounts)."""

from django.urls import path

from crm import book_views as views

app_name = "crm-book"
urlpatterns = [
    path("", views.book_list_view, name="list"),
    path("settings/", views.book_settings, name="settings"),
    path("customer/<int:customer_id>/add/", views.book_add, name="add"),
    path("<int:book_id>/", views.book_edit, name="edit"),
    path("<int:book_id>/cancel/", views.book_cancel, name="cancel"),
]

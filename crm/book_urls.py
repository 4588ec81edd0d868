"""The book in the agency panel, mounted at ``book/`` (crm.mounts)."""

from django.urls import path

from crm import book_import_views as imports
from crm import book_quote_views as quotes
from crm import book_views as views

app_name = "crm-book"
urlpatterns = [
    path("", views.book_list_view, name="list"),
    path("settings/", views.book_settings, name="settings"),
    path("customer/<int:customer_id>/add/", views.book_add, name="add"),
    path("<int:book_id>/", views.book_edit, name="edit"),
    path("<int:book_id>/cancel/", views.book_cancel, name="cancel"),
    path("import/", imports.import_start, name="import"),
    path("import/template/", imports.import_template, name="import-template"),
    path("import/preview/", imports.import_preview, name="import-preview"),
    path("import/confirm/", imports.import_confirm, name="import-confirm"),
    path("import/progress/", imports.import_progress, name="import-progress"),
    path("quotes/", quotes.quote_list, name="quotes"),
    path("quotes/<uuid:quote_id>/prospect/", quotes.quote_prospect, name="quote-prospect"),
]

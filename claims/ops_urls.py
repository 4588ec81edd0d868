"""Claims on the ops host, mounted at ``claims/``."""

from django.urls import path

from claims import ops_views as views

app_name = "ops-claims"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<uuid:filed_claim_id>/", views.detail, name="detail"),
    path(
        "<uuid:filed_claim_id>/documents/<uuid:claim_document_id>/",
        views.document,
        name="document",
    ),
    path("<uuid:filed_claim_id>/<slug:action>/", views.act, name="act"),
]

"""The agency's customers' claims in the panel, mounted at ``policy-claims/``."""

from django.urls import path

from claims import panel_views as views

app_name = "panel-claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("<uuid:filed_claim_id>/", views.claim_detail, name="detail"),
    path(
        "<uuid:filed_claim_id>/documents/<uuid:claim_document_id>/",
        views.claim_document_download,
        name="document",
    ),
]

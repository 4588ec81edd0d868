"""The customer's claims on the storefront hosts, mounted at ``claims/``."""

from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("file/<str:number>/", views.claim_new, name="new"),
    path("<uuid:filed_claim_id>/", views.claim_detail, name="detail"),
    path("<uuid:filed_claim_id>/documents/", views.claim_document_upload, name="upload"),
    path(
        "<uuid:filed_claim_id>/documents/<uuid:claim_document_id>/",
        views.claim_document_download,
        name="document",
    ),
]

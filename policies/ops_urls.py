"""The virtual branch's pages on the ops host: issuance queue and sales record."""

from django.urls import path

from policies import ops_views as views

app_name = "ops"
urlpatterns = [
    path("issuance/", views.queue, name="queue"),
    path("issuance/<uuid:order_id>/", views.order_detail, name="order"),
    path("issuance/<uuid:order_id>/print/", views.order_print, name="order-print"),
    path("issuance/<uuid:order_id>/issue/", views.order_issue, name="issue"),
    path("issuance/<uuid:order_id>/reject/", views.order_reject_view, name="reject"),
    path("issuance/<uuid:order_id>/policy.pdf", views.order_policy_pdf, name="policy-pdf"),
    path(
        "issuance/<uuid:order_id>/documents/<int:document_id>/",
        views.order_document,
        name="document",
    ),
    path("sales-record/", views.sales_record, name="sales-record"),
]

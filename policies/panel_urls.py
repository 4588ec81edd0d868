"""The agency panel's sales section, mounted at ``sales/`` on the panel host."""

from django.urls import path

from policies import panel_views as views

app_name = "panel-sales"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("<uuid:order_id>/", views.order_detail, name="detail"),
    path("<uuid:order_id>/issue/", views.order_issue, name="issue"),
    path("<uuid:order_id>/reject/", views.order_reject_view, name="reject"),
    path("<uuid:order_id>/policy.pdf", views.order_policy_pdf, name="policy-pdf"),
    path(
        "<uuid:order_id>/documents/<int:document_id>/",
        views.order_document,
        name="document",
    ),
]

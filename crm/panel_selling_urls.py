"""Selling from the panel, mounted at ``sell/`` on the panel host (decision 032)."""

from django.urls import path

from crm import panel_selling_views as views

app_name = "panel-selling"
urlpatterns = [
    path("", views.sale_list, name="list"),
    path("customers/<int:customer_id>/", views.sale_new, name="new"),
    path("customers/<int:customer_id>/<slug:line_code>/", views.sale_quote, name="quote"),
    path(
        "customers/<int:customer_id>/quotes/<uuid:quote_id>/",
        views.sale_order,
        name="order",
    ),
    path("<int:sale_id>/", views.sale_detail, name="detail"),
    path("<int:sale_id>/send/", views.sale_send, name="send"),
]

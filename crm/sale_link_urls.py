"""The link a customer gets by SMS for an order staff made (agency sites, at ``sale/``)."""

from django.urls import path

from crm import sale_link_views as views

app_name = "crm-sale-link"
urlpatterns = [
    path("<str:token>/", views.sale_link_open, name="open"),
]

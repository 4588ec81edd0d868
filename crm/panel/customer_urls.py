"""The CRM's customers on the panel, mounted at ``crm/customers/`` (crm.mounts). Every id
in a path is a customer's; a phone, e-mail, address or relation to remove is posted in the
form, and found only among that customer's own."""

from django.urls import path

from crm.panel import customers as views

app_name = "panel-crm-customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
]

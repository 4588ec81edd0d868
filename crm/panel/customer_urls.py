"""The CRM's customers on the panel, mounted at ``crm/customers/`` (crm.mounts). Every id
in a path is a customer's; a phone, e-mail, address, relation or group to remove is posted
in the form, and found only among that customer's own."""

from django.urls import path

from crm.panel import card_forms as card
from crm.panel import customer_edit as edit
from crm.panel import customers as views
from crm.panel import merge

app_name = "panel-crm-customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", edit.customer_new, name="create"),
    path("merge/", merge.customer_merge_page, name="merge"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", edit.customer_edit, name="edit"),
    path("<int:customer_id>/phones/", card.customer_phones, name="phones"),
    path("<int:customer_id>/emails/", card.customer_emails, name="emails"),
    path("<int:customer_id>/addresses/", card.customer_addresses, name="addresses"),
    path("<int:customer_id>/relations/", card.customer_relations, name="relations"),
    path("<int:customer_id>/groups/", card.customer_groups, name="groups"),
    path("<int:customer_id>/consent/", card.customer_consent, name="consent"),
]

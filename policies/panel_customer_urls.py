"""The agency panel's customers, mounted at ``customers/`` on the panel host."""

from django.urls import path

from policies import panel_customer_views as views

app_name = "panel-customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
]

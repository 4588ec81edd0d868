"""The customer's tickets on the storefront (main and agency sites), mounted at ``support/``."""

from django.urls import path

from support import views_side as views

app_name = "support"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_new, name="new"),
    path("<int:ticket_id>/", views.customer_detail, name="detail"),
    path("<int:ticket_id>/close/", views.customer_close, name="close"),
    path("<int:ticket_id>/files/<int:ticket_attachment_id>/", views.customer_file, name="file"),
]

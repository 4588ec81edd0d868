"""The agency's tickets in the panel, mounted at ``support/`` on the panel host."""

from django.urls import path

from support import views_side as views

app_name = "panel-support"
urlpatterns = [
    path("", views.agency_list, name="list"),
    path("new/", views.agency_new, name="new"),
    path("<int:ticket_id>/", views.agency_detail, name="detail"),
    path("<int:ticket_id>/close/", views.agency_close, name="close"),
    path("<int:ticket_id>/files/<int:ticket_attachment_id>/", views.agency_file, name="file"),
]

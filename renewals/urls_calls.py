"""The calls lists, an item's page and the manager's view, mounted at ``renewals/``."""

from django.urls import path

from renewals import views_calls as views

app_name = "panel-renewals"
urlpatterns = [
    path("", views.calls_list_view, name="list"),
    path("items/<int:item_id>/", views.item_view, name="item"),
    path("items/<int:item_id>/number/", views.number_view, name="number"),
    path("items/<int:item_id>/reassign/", views.item_reassign_view, name="reassign"),
    path("manage/", views.manager_page_view, name="manage"),
    path("manage/reassign/", views.bulk_reassign_view, name="bulk-reassign"),
]

"""Staff's "renew now" on a work item, mounted at ``renewals/online/`` (decision 043)."""

from django.urls import path

from renewals import views_online as views

app_name = "renewals-online-panel"
urlpatterns = [
    path("items/<int:item_id>/renew/", views.renew_now, name="renew"),
]

"""Site and line control on the ops host, mounted at ``control/``."""

from django.urls import path

from tenants.ops import control_views as views

app_name = "ops-control"
urlpatterns = [
    path("", views.control_list, name="list"),
    path("<int:request_id>/decide/", views.control_decide, name="decide"),
]

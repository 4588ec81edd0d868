"""The audit log on the ops host, mounted at ``audit/``."""

from django.urls import path

from reports import views

app_name = "ops-audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
]

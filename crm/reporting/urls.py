"""The CRM's reports on the panel host, mounted at ``reports/`` (crm.mounts): one fixed path
per report, so the access walkers reach each of them."""

from django.urls import path

from crm.reporting import views
from crm.reporting.catalog import REPORTS

app_name = "panel-crm-reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    *(path(f"{key}/", views.report_page, {"key": key}, name=key) for key in REPORTS),
]

"""SMS credit on the ops host, at ``sms/``."""

from django.urls import path

from messaging.credit import ops_views as views

app_name = "ops-sms-credit"
urlpatterns = [
    path("", views.agencies_view, name="home"),
    path("credit.xlsx", views.agencies_excel_view, name="excel"),
    path("<int:agency_id>/", views.agency_view, name="agency"),
    path("<int:agency_id>/credit/", views.agency_credit_view, name="credit"),
    path("<int:agency_id>/usage.xlsx", views.agency_usage_excel_view, name="usage-excel"),
]

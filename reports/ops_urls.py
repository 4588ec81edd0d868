"""Cross-agency reports on the ops host, mounted at ``reports/``."""

from django.urls import path

from reports import views

app_name = "ops-reports"
urlpatterns = [
    path("", views.reports_home, name="home"),
    path("sales/", views.sales, name="sales"),
    path("referrals/", views.referrals, name="referrals"),
    path("settlement/", views.settlement, name="settlement"),
]

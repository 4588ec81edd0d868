"""Commission rates, statements and payouts on the ops host, mounted at ``commissions/``."""

from django.urls import path

from settlement import ops_commission_views as views

app_name = "ops-commissions"
urlpatterns = [
    path("", views.home, name="home"),
    path("build/", views.statements_build, name="build"),
    path("rates/", views.rate_add, name="rate-add"),
    path("<int:statement_id>/", views.statement_detail, name="statement"),
    path("<int:statement_id>/payouts/", views.payout_record, name="payout"),
    path("<int:statement_id>/pdf/", views.statement_pdf, name="pdf"),
    path("<int:statement_id>/xlsx/", views.statement_xlsx, name="xlsx"),
]

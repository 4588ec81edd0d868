"""The agency's own commission statements on the panel, mounted at ``commissions/``."""

from django.urls import path

from settlement import panel_views as views

app_name = "panel-commissions"
urlpatterns = [
    path("", views.statement_list, name="list"),
    path("<int:statement_id>/", views.statement_detail, name="statement"),
    path("<int:statement_id>/pdf/", views.statement_pdf, name="pdf"),
    path("<int:statement_id>/xlsx/", views.statement_xlsx, name="xlsx"),
]

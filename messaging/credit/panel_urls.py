"""The agency's SMS credit and sending settings in its panel, at ``sms/credit/``."""

from django.urls import path

from messaging.credit import panel_views as views

app_name = "panel-sms-credit"
urlpatterns = [
    path("", views.credit_view, name="home"),
    path("ledger.xlsx", views.ledger_excel_view, name="excel"),
    path("top-up/", views.top_up_view, name="top-up"),
    path("top-up/<uuid:top_up_id>/", views.top_up_return_view, name="return"),
    path("settings/", views.sms_settings_view, name="settings"),
]

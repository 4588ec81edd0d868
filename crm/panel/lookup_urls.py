"""Caller lookup's page (``crm/lookup/``) and the telephony settings (``crm/telephony/``)."""

from django.urls import path

from crm.panel import lookup

app_name = "panel-crm-telephony"
urlpatterns = [
    path("lookup/", lookup.lookup_page, name="lookup"),
    path("telephony/", lookup.telephony_settings, name="settings"),
]

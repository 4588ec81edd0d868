"""The telephony endpoint on the panel host, ``api/crm/lookup`` (token per agency)."""

from django.urls import path

from crm.panel import lookup

app_name = "panel-crm-api"
urlpatterns = [path("lookup", lookup.telephony_lookup, name="lookup")]

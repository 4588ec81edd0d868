from django.urls import path

from tenants.api import views

urlpatterns = [
    path("", views.AgencyCreateApi.as_view(), name="api-agency-create"),
]

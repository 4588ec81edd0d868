"""The ops host's home, mounted at the root."""

from django.urls import path

from tenants.ops import views

app_name = "ops-site"
urlpatterns = [path("", views.home, name="home")]

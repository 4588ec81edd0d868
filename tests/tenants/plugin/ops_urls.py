from django.urls import path

from tests.tenants.plugin import views

app_name = "ops-plugin"
urlpatterns = [path("", views.ops_home, name="home")]

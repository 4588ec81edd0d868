from django.urls import path

from tests.tenants.plugin import views

app_name = "panel-plugin"
urlpatterns = [
    path("", views.panel_home, name="home"),
    path("badge/", views.panel_badge, name="badge"),
    path("book/", views.panel_book, name="book"),
]

from django.urls import path

from tenants import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("p/<str:slug>/", views.page_detail, name="page"),
]

from django.urls import path

from policies import panel_lines_views as views

app_name = "panel-lines"
urlpatterns = [path("", views.lines, name="lines")]

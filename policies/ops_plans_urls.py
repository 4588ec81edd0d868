"""Sales plans on the ops host, mounted at ``plans/``."""

from django.urls import path

from policies import ops_plans_views as views

app_name = "ops-plans"
urlpatterns = [
    path("", views.plans, name="list"),
    path("<int:plan_id>/decide/", views.plan_decide, name="decide"),
]

"""The agency's own commission statements on the panel, mounted at ``commissions/``."""

app_name = "panel-commissions"
urlpatterns: list = []

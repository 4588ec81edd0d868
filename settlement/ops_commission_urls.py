"""Commission rates, statements and payouts on the ops host, mounted at ``commissions/``."""

from django.http import Http404
from django.urls import path


def _not_yet(request):
    raise Http404


app_name = "ops-commissions"
urlpatterns = [
    path("", _not_yet, name="home"),
]

"""Settlement with the core issuing system on the ops host, mounted at ``settlement/``."""

from django.http import Http404
from django.urls import path


def _not_yet(request):
    raise Http404


app_name = "ops-settlement"
urlpatterns = [
    path("", _not_yet, name="home"),
]

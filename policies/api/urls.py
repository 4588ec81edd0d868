"""REST API of the sale (documented in /api/docs/)."""

from django.urls import path

from policies.api import orders, quotes

urlpatterns = [
    # --- quotes ---
    # --- orders ---
]

"""Storefront URLs of the sale, served on the main site and on every agency site."""

from django.urls import path

from policies.views import account, documents, orders, quotes

app_name = "policies"
urlpatterns = [
    # --- premium inquiry (quotes) ---
    # --- purchase steps and payment (orders) ---
    # --- customer account (account) ---
    # --- policy PDF and public verification (documents) ---
]

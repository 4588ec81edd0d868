"""The claims API (decision 017's contract)."""

from __future__ import annotations

from django.urls import URLPattern

# Names are global and start with "api-claims-" (no namespace, as the other API modules).
urlpatterns: list[URLPattern] = []

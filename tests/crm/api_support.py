"""Helpers of the CRM API's tests: JSON calls as a member, valid national codes."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

HOST = "localhost"


def national_code(nine: str) -> str:
    """A valid national code from nine digits (the tenth is the check digit)."""
    total = sum(int(digit) * (10 - index) for index, digit in enumerate(nine))
    remainder = total % 11
    return nine + str(remainder if remainder < 2 else 11 - remainder)


class Api:
    """A logged-in person's JSON calls to the API on the main site."""

    def __init__(self, user: Any = None, *, language: str = "fa") -> None:
        self.client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            self.client.force_login(user)

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {}, HTTP_HOST=HOST)

    def post(self, path: str, body: Any = None):
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", HTTP_HOST=HOST
        )

    def patch(self, path: str, body: Any):
        return self.client.patch(
            path, json.dumps(body), content_type="application/json", HTTP_HOST=HOST
        )

    def delete(self, path: str):
        return self.client.delete(path, HTTP_HOST=HOST)

"""Refusals a service raises besides a plain ``ValidationError`` (a rule said no).

Pages show each like any ``ValidationError``; the API answers each with its own status
(core/api.py): ``Conflict`` 409, ``Throttled`` 429, ``Unavailable`` 503.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request is well formed, but the current state of what it names refuses it."""


class Throttled(ValidationError):
    """Too many requests; ``retry_after`` is the number of seconds to wait."""

    def __init__(self, message: Any, *, retry_after: int, code: str = "throttled"):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class Unavailable(ValidationError):
    """Something the request needs (a bank, a provider) is not available now."""

    retry_after = 60

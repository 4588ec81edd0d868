"""Whether a template is in use (contact patterns, bulk sends, … reference templates by
foreign key): each of those parts registers a check here, so that deleting a used template
only deactivates it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A check takes a template and says whether anything of its part still uses it.
_checks: dict[str, Callable[[Any], bool]] = {}


def template_usage_register(key: str, check: Callable[[Any], bool]) -> None:
    """Add (or, under the same key, replace) a check of template use."""
    _checks[key] = check


def template_in_use(template: Any) -> bool:
    return any(check(template) for check in _checks.values())

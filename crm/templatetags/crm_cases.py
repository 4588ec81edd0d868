"""Template helpers of the cases pages and the customer card's case sections."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def name_in(user_id: Any, names: dict[int, str] | None) -> str:
    """``{{ case.assignee_user_id|name_in:user_names }}``: the member's name, or empty."""
    if not user_id or not names:
        return ""
    return names.get(user_id, "")

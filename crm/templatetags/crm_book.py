"""Names on the book's pages: insurers of the quote form's list, read once per page."""

from __future__ import annotations

from django import template

from crm.models import BookPolicy
from crm.selectors.book import free_fields, insurer_choices, insurer_display

register = template.Library()


@register.simple_tag
def book_insurers() -> dict[str, str]:
    """Insurer code → name (one query for the page)."""
    return dict(insurer_choices())


@register.simple_tag
def book_free_fields() -> list:
    """The free fields the agency named (one query for the page)."""
    return free_fields()


@register.filter
def insurer_of(policy: BookPolicy, names: dict[str, str]) -> str:
    return insurer_display(policy, names)


@register.filter
def field_of(policy: BookPolicy, name: str) -> str:
    """A free field's value (``extra_1`` … ``extra_4``)."""
    return getattr(policy, name, "") if name.startswith("extra_") else ""


@register.filter
def name_in(code: str, names: dict[str, str]) -> str:
    """``{{ policy.line_code|name_in:line_names }}``: the name of a code, or empty."""
    return names.get(code, "") if code else ""

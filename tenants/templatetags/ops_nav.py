"""The ops nav: ``{% ops_sections as sections %}`` gives the sections the visitor may open
(``tenants.ops.registry``)."""

from __future__ import annotations

from typing import Any

from django import template

from tenants.ops.registry import OpsSection, ops_sections_for

register = template.Library()


@register.simple_tag(takes_context=True)
def ops_sections(context: dict[str, Any]) -> list[OpsSection]:
    request = context.get("request")
    return ops_sections_for(getattr(request, "user", None))

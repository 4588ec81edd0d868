"""The panel's registered links: ``{% panel_links "nav" as entries %}`` gives the entries the
logged-in member may open (``tenants.panel.registry``)."""

from __future__ import annotations

from typing import Any

from django import template

from tenants.panel.registry import PanelLink, panel_links_for

register = template.Library()


@register.simple_tag(name="panel_links", takes_context=True)
def panel_links_tag(context: dict[str, Any], place: str) -> list[PanelLink]:
    request = context.get("request")
    return panel_links_for(place=place, membership=getattr(request, "membership", None))

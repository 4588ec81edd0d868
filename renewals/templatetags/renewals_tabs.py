"""``{% renewal_tabs "calls" %}``: the renewals section's tabs, the current one marked."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from renewals.tabs import renewal_tabs as registered

register = template.Library()


@register.inclusion_tag("renewals/_tabs.html", takes_context=True)
def renewal_tabs(context: Any, current: str) -> dict[str, Any]:
    membership = getattr(context.get("request"), "membership", None)
    manages = bool(getattr(membership, "can_manage", False))
    return {
        "tabs": [
            {
                "key": tab.key,
                "url": reverse(tab.url_name),
                "label": tab.label,
                "current": tab.key == current,
            }
            for tab in registered()
            if manages or not tab.manage_only
        ]
    }

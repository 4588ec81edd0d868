"""The customer's band as a badge, for lists and the card::

    {% load crm_ranking %}{% customer_band customer %}

``customer`` should come with its rank joined (``select_related("rank")``, as
``crm.selectors.customers.customer_list`` does): a customer never ranked shows "not ranked"
without a query.
"""

from __future__ import annotations

from typing import Any

from django import template

from crm.models import CustomerRank

register = template.Library()

COLOURS = {
    "A": "text-bg-success",
    "B": "text-bg-primary",
    "C": "text-bg-warning",
    "D": "text-bg-secondary",
}


def band_context(band: str | None) -> dict[str, Any]:
    labels = dict(CustomerRank.Band.choices)
    return {"band": band or "", "label": labels.get(band or ""), "colour": COLOURS.get(band or "")}


@register.inclusion_tag("crm/ranking/_band.html")
def customer_band(customer: Any) -> dict[str, Any]:
    """The badge of ``customer``'s band (an empty one when not ranked yet)."""
    try:
        rank = customer.rank
    except CustomerRank.DoesNotExist:
        rank = None
    return band_context(rank.band if rank is not None else None)


@register.inclusion_tag("crm/ranking/_band.html")
def band_badge(band: str | None) -> dict[str, Any]:
    """The badge of a band code ("A"…"D"), e.g. from ``values()`` rows."""
    return band_context(band)

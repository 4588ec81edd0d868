"""The sales record kept for the regulator (every step of every sale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.http import client_ip
from policies.models import Order, Quote, SalesEvent


@dataclass(frozen=True)
class Origin:
    """Where a step of a sale came from: kept in the sales record."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: Any) -> Origin:
        return cls(
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


SYSTEM = Origin()


def sales_event_record(
    *,
    event: str,
    order: Order | None = None,
    quote: Quote | None = None,
    actor: Any = None,
    actor_label: str = "",
    origin: Origin = SYSTEM,
    data: dict[str, Any] | None = None,
) -> SalesEvent:
    """Record one step of a sale: what, which order or quote, who, when and from where."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if order is not None:
        agency_id = order.agency_id
    elif quote is not None:
        agency_id = quote.agency_id
    else:
        agency_id = None
    return SalesEvent.objects.create(
        event=event,
        order=order,
        quote=quote,
        agency_id=agency_id,
        actor=user,
        actor_label=actor_label or (str(user) if user else "system"),
        ip_address=origin.ip_address,
        user_agent=origin.user_agent[:300],
        data=data or {},
    )

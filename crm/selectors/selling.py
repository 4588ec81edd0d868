"""Reads of the sales made from the panel: a page of them with their orders' states, read
from the ledger a page at a time (one query, never a join across schemas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from crm.models import PanelSale
from crm.selectors.names import line_names
from policies.models import Order, Policy


def panel_sales(*, customer_id: int | None = None) -> QuerySet[PanelSale]:
    """The agency's sales from the panel, newest first (the connection is in its schema)."""
    sales = PanelSale.objects.select_related("customer")
    if customer_id is not None:
        sales = sales.filter(customer_id=customer_id)
    return sales.order_by("-created_at", "-id")


@dataclass(frozen=True)
class SaleRow:
    sale: PanelSale
    order: Order | None
    line_name: str
    policy_number: str


def sale_rows(*, agency: Any, sales: list[PanelSale]) -> list[SaleRow]:
    """The page's sales with their orders (only this agency's) and policy numbers: two
    queries and the line names' one, whatever the page's size."""
    orders = {
        order.pk: order
        for order in Order.objects.filter(pk__in=[s.order_id for s in sales], agency_id=agency.pk)
    }
    numbers = dict(
        Policy.objects.filter(order_id__in=list(orders)).values_list("order_id", "number")
    )
    names = line_names(s.line_code for s in sales)
    return [
        SaleRow(
            sale=sale,
            order=orders.get(sale.order_id),
            line_name=names.get(sale.line_code, sale.line_code),
            policy_number=numbers.get(sale.order_id, ""),
        )
        for sale in sales
    ]

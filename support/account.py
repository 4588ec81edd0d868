"""The account page's "My tickets" section (decision 052): the customer's latest tickets, in
one query whatever they hold."""

from __future__ import annotations

from typing import Any

from support.selectors import customer_tickets

SECTION_ROWS = 5


def my_tickets(request: Any) -> dict[str, Any]:
    rows = list(customer_tickets(user=request.user)[: SECTION_ROWS + 1])
    return {"tickets": rows[:SECTION_ROWS], "more": len(rows) > SECTION_ROWS}

"""The "My advice requests" card of the customer's account page (decision 052): the
latest few, in one query, with a link to the full list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from advice.selectors import customer_requests

ACCOUNT_ROWS = 5


def account_context(request: HttpRequest) -> dict[str, Any]:
    if getattr(request, "agency", None) is not None:
        return {"rows": [], "main_site": False}
    rows = list(customer_requests(customer=request.user)[: ACCOUNT_ROWS + 1])
    return {"rows": rows[:ACCOUNT_ROWS], "more": len(rows) > ACCOUNT_ROWS, "main_site": True}

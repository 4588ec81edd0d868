"""The customer's account (S-2.6): orders and their state, policies, payments."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from policies.models import Order
from policies.selectors import orders_of_customer, payments_of_customer, policies_of_customer
from policies.services.orders import order_missing_steps


@login_required
def account(request):
    orders = list(orders_of_customer(customer=request.user, agency=request.agency)[:100])
    for order in orders:
        if order.state == Order.State.DRAFT:
            missing = order_missing_steps(order=order)
            order.next_step = missing[0] if missing else "review"  # type: ignore[attr-defined]
    return render(
        request,
        "policies/account.html",
        {
            "orders": orders,
            "policies": policies_of_customer(customer=request.user, agency=request.agency)[:100],
            "payments": payments_of_customer(customer=request.user, agency=request.agency)[:100],
        },
    )

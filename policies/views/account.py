"""The customer's account (S-2.6, decision 052): policies, orders and payments, then the
sections the apps above register (claims, cancellations, tickets, advice requests) and the
actions they offer on each policy (renew, cancel, file a claim)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import reverse

from core.jalali import tehran_today
from policies.models import Order
from policies.selectors import orders_of_customer, payments_of_customer, policies_of_customer
from policies.services.orders import order_missing_steps
from tenants.storefront import account_sections, policy_actions

RENEWED_BY_STATES = (Order.State.AWAITING_PAYMENT, Order.State.PAID, Order.State.ISSUED)


@login_required
def account(request):
    orders = list(
        orders_of_customer(customer=request.user, agency=request.agency).select_related("renews")[
            :100
        ]
    )
    for order in orders:
        if order.state == Order.State.DRAFT:
            missing = order_missing_steps(order=order)
            order.next_step = missing[0] if missing else "review"  # type: ignore[attr-defined]
    # Renewals both ways (decision 050): the order a policy came from may renew an older
    # one (a join), and a policy may have been renewed by a later order (one query).
    policies = list(
        policies_of_customer(customer=request.user, agency=request.agency)
        .select_related("order__renews")
        .prefetch_related(
            Prefetch(
                "renewal_orders",
                queryset=Order.objects.filter(state__in=RENEWED_BY_STATES).only(
                    "id", "public_id", "state", "renews_id", "created_at"
                ),
            )
        )[:100]
    )
    today = tehran_today()
    actions = policy_actions()
    for policy in policies:
        policy.actions = [  # type: ignore[attr-defined]
            {
                "key": action.key,
                "label": action.label,
                "url": reverse(action.url_name, args=[policy.number]),
            }
            for action in actions
            if action.applies(policy, today)
        ]
    sections = [
        {
            "key": section.key,
            "title": section.title,
            "template": section.template,
            "context": section.context(request),
        }
        for section in account_sections()
    ]
    return render(
        request,
        "policies/account.html",
        {
            "orders": orders,
            "policies": policies,
            "payments": payments_of_customer(customer=request.user, agency=request.agency)[:100],
            "sections": sections,
        },
    )

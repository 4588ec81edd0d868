"""The customer's account (S-2.6, decision 052): policies, orders and payments, then the
sections the apps above register (claims, cancellations, tickets, advice requests) and the
actions they offer on each policy (renew, cancel, file a claim).

The account page shows the latest rows of each list; "all" opens the whole list a page at a
time (keyset pagination: a customer with thousands of orders pays for one page)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.jalali import tehran_today
from core.keyset import KeysetPage, keyset_page
from policies.models import Order
from policies.selectors import orders_of_customer, payments_of_customer, policies_of_customer
from policies.services.orders import order_missing_steps
from tenants.storefront import account_sections, policy_actions

# Rows of each list on the account page itself, and on a page of the full list.
PREVIEW = 10
PAGE_SIZE = 25


# Orders that count as a policy's renewal once made (decision 050).
RENEWED_BY_STATES = (Order.State.AWAITING_PAYMENT, Order.State.PAID, Order.State.ISSUED)


def _orders_of(request) -> QuerySet[Order]:
    return orders_of_customer(customer=request.user, agency=request.agency).select_related("renews")


def _policies_of(request) -> QuerySet:
    """Renewals both ways (decision 050): the order a policy came from may renew an older
    one (a join), and a policy may have been renewed by a later order (one query)."""
    return (
        policies_of_customer(customer=request.user, agency=request.agency)
        .select_related("order__renews")
        .prefetch_related(
            Prefetch(
                "renewal_orders",
                queryset=Order.objects.filter(state__in=RENEWED_BY_STATES).only(
                    "id", "public_id", "state", "renews_id", "created_at"
                ),
            )
        )
    )


def _orders_shown(orders: list[Order]) -> list[Order]:
    for order in orders:
        if order.state == Order.State.DRAFT:
            missing = order_missing_steps(order=order)
            order.next_step = missing[0] if missing else "review"  # type: ignore[attr-defined]
    return orders


def _policies_shown(policies: list) -> list:
    today = tehran_today()
    actions = policy_actions()
    for policy in policies:
        policy.actions = [
            {
                "key": action.key,
                "label": action.label,
                "url": reverse(action.url_name, args=[policy.number]),
            }
            for action in actions
            if action.applies(policy, today)
        ]
    return policies


@login_required
def account(request):
    mine = {"customer": request.user, "agency": request.agency}
    orders = list(_orders_of(request)[: PREVIEW + 1])
    policies = list(_policies_of(request)[: PREVIEW + 1])
    payments = list(payments_of_customer(**mine)[: PREVIEW + 1])
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
            "orders": _orders_shown(orders[:PREVIEW]),
            "more_orders": len(orders) > PREVIEW,
            "policies": _policies_shown(policies[:PREVIEW]),
            "more_policies": len(policies) > PREVIEW,
            "payments": payments[:PREVIEW],
            "more_payments": len(payments) > PREVIEW,
            "sections": sections,
        },
    )


def _full_list(request, *, kind: str):
    mine = {"customer": request.user, "agency": request.agency}
    after = request.GET.get("after")
    page: KeysetPage[Any]
    if kind == "orders":
        page = keyset_page(_orders_of(request), field="created_at", cursor=after, size=PAGE_SIZE)
        _orders_shown(page.rows)
        heading, context_name = _("My orders"), "orders"
    elif kind == "policies":
        page = keyset_page(_policies_of(request), field="issued_at", cursor=after, size=PAGE_SIZE)
        _policies_shown(page.rows)
        heading, context_name = _("My policies"), "policies"
    else:
        page = keyset_page(
            payments_of_customer(**mine), field="created_at", cursor=after, size=PAGE_SIZE
        )
        heading, context_name = _("Payment history"), "payments"
    return render(
        request,
        "policies/account_list.html",
        {
            "heading": heading,
            "kind": kind,
            "table": f"policies/account/_{kind}.html",
            context_name: page.rows,
            "page": page,
        },
    )


@login_required
def account_orders(request):
    return _full_list(request, kind="orders")


@login_required
def account_policies(request):
    return _full_list(request, kind="policies")


@login_required
def account_payments(request):
    return _full_list(request, kind="payments")

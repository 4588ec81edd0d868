"""Referrals listen to the sale: a paid main-site order is offered to agencies."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.queue import enqueue
from policies.models import Order
from policies.signals import order_paid


@receiver(order_paid, dispatch_uid="referrals.order_paid")
def refer_paid_order(sender: Any, order: Order, **kwargs: Any) -> None:
    """Sent after the payment's transaction committed; the work goes to a worker."""
    if order.channel == Order.Channel.MAIN and order.agency_id is None:
        from referrals.tasks import referral_start

        # Unsent (broker down), the referral is started by ``referrals_start_missed``.
        enqueue(referral_start, order.pk)

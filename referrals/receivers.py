"""Referrals listen to the sale: a paid main-site order is offered to agencies; and to the
agencies: one that stops being active has its waiting offers withdrawn."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.queue import enqueue
from policies.models import Order
from policies.signals import order_paid
from tenants.models import Agency
from tenants.signals import agency_status_changed


@receiver(order_paid, dispatch_uid="referrals.order_paid")
def refer_paid_order(sender: Any, order: Order, **kwargs: Any) -> None:
    """Sent after the payment's transaction committed; the work goes to a worker."""
    if order.channel == Order.Channel.MAIN and order.agency_id is None:
        from referrals.tasks import referral_start

        # Unsent (broker down), the referral is started by ``referrals_start_missed``.
        enqueue(referral_start, order.pk)


@receiver(agency_status_changed, dispatch_uid="referrals.agency_status_changed")
def withdraw_stopped_agency_offers(
    sender: Any, agency_id: int, old: str, new: str, **kwargs: Any
) -> None:
    """Sent after a suspension (or a return to pending) committed; a worker withdraws."""
    if new != Agency.Status.ACTIVE:
        from referrals.tasks import agency_offers_withdraw

        # Unsent (broker down), accepting still refuses on its own.
        enqueue(agency_offers_withdraw, agency_id)

"""Paying an order online (S-2.4): one Payment row per attempt, verified exactly once.

The browser's return from the bank (the callback) is a claim anyone can forge or replay.
Only the server-to-server verification decides, and it runs under a lock on the payment
row, for a payment still ``started``, whose order is still awaiting payment, with the
amount we asked for. Whatever the callback says, an attempt that did not verify leaves
the order payable.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.dispatch import signal_send_robust
from core.errors import Unavailable
from core.payments import get_gateway
from core.payments.base import PaymentGatewayError, PaymentRedirect
from core.sms.services import sms_queue
from policies.models import Order, Payment
from policies.services.events import SYSTEM, Origin, sales_event_record
from policies.services.orders import OrderStateError, order_transition
from policies.signals import order_paid

logger = logging.getLogger(__name__)

# An open attempt is asked about after RECONCILE_AFTER and closed after ABANDON_AFTER
# (Shaparak returns unverified money within about half an hour).
RECONCILE_AFTER = dt.timedelta(minutes=15)
ABANDON_AFTER = dt.timedelta(minutes=45)


class PaymentUnavailable(Unavailable):
    """The gateway could not be reached or refused to start; the order stays payable."""


def payment_start(
    *,
    order: Order,
    actor: Any,
    callback_url: Callable[[Payment], str],
    gateway_name: str | None = None,
    origin: Origin = SYSTEM,
) -> tuple[Payment, PaymentRedirect]:
    """Open a new payment attempt for an order awaiting payment and ask the bank for a token.

    Earlier attempts still open are abandoned: the bank reverses a payment that is never
    verified, so a customer paying in two tabs is charged once.
    """
    gateway = get_gateway(gateway_name)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.state != Order.State.AWAITING_PAYMENT:
            raise OrderStateError(
                _("This order is %(state)s and cannot be paid.")
                % {"state": locked.get_state_display()},
                code="order_state",
            )
        abandoned = locked.payments.filter(state=Payment.State.STARTED).update(
            state=Payment.State.CANCELLED, message="abandoned: a new attempt was started"
        )
        attempt = (locked.payments.aggregate(n=Max("attempt"))["n"] or 0) + 1
        payment = Payment.objects.create(
            order=locked,
            attempt=attempt,
            gateway=gateway.name,
            amount=locked.premium,
            ip_address=origin.ip_address,
        )
        audit_record(
            actor=actor,
            action="payment.started",
            target=payment,
            changes={"state": (None, payment.state)},
            agency_id=locked.agency_id,
            ip_address=origin.ip_address,
        )
        sales_event_record(
            event="payment_started",
            order=locked,
            actor=actor,
            origin=origin,
            data={
                "attempt": attempt,
                "gateway": gateway.name,
                "amount": str(payment.amount),
                "abandoned": abandoned,
            },
        )
    # The bank is called outside any transaction: a slow bank holds no lock.
    try:
        redirect = gateway.start(
            amount=payment.amount,
            reference=str(payment.public_id),
            callback_url=callback_url(payment),
            description=_("Policy purchase, order %(number)s") % {"number": order.number},
            mobile=order.customer.mobile,
        )
    except PaymentGatewayError as error:
        Payment.objects.filter(pk=payment.pk, state=Payment.State.STARTED).update(
            state=Payment.State.FAILED, message=f"start refused: {error}"[:300]
        )
        sales_event_record(
            event="payment_start_failed",
            order=order,
            actor=actor,
            origin=origin,
            data={"attempt": attempt, "error": str(error)[:200]},
        )
        raise PaymentUnavailable(
            _("The payment gateway is not available right now. Please try again in a minute."),
            code="gateway",
        ) from error
    Payment.objects.filter(pk=payment.pk).update(token=redirect.token)
    payment.token = redirect.token
    return payment, redirect


def payment_complete(
    *, payment: Payment, params: Mapping[str, str], origin: Origin = SYSTEM
) -> Payment:
    """Handle the customer's return from the bank: verify with the bank exactly once.

    A replayed callback (the payment is no longer ``started``), a forged one (the token is
    not this payment's) or one for an order no longer awaiting payment changes nothing
    that the bank has not confirmed. Returns the payment as it now stands.
    """
    claim = get_gateway(payment.gateway).parse_callback(params)
    return _payment_settle(
        payment=payment,
        token=claim.token,
        claimed_success=claim.succeeded,
        close_unpaid=True,
        origin=origin,
    )


def payment_reconcile(*, payment: Payment, abandon_after: dt.timedelta = ABANDON_AFTER) -> Payment:
    """Ask the bank about a payment whose customer never came back (closed tab, lost network).

    Money the bank confirms pays the order, as if the customer had returned; an attempt
    still unpaid after ``abandon_after`` is closed as abandoned (the order stays payable).
    """
    if payment.state != Payment.State.STARTED or not payment.token:
        return payment
    return _payment_settle(
        payment=payment,
        token=payment.token,
        claimed_success=False,
        close_unpaid=payment.created_at <= timezone.now() - abandon_after,
        origin=Origin(user_agent="reconciliation"),
    )


def payments_to_reconcile(*, older_than: dt.timedelta = RECONCILE_AFTER) -> list[int]:
    """Ids of open payments the customer has not come back from."""
    return list(
        Payment.objects.filter(
            state=Payment.State.STARTED, created_at__lte=timezone.now() - older_than
        )
        .exclude(token="")
        .values_list("pk", flat=True)[:500]
    )


def _payment_settle(
    *, payment: Payment, token: str, claimed_success: bool, close_unpaid: bool, origin: Origin
) -> Payment:
    gateway = get_gateway(payment.gateway)
    paid_order: Order | None = None
    verify_error: PaymentGatewayError | None = None
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        order = Order.objects.select_for_update().get(pk=locked.order_id)
        if locked.state != Payment.State.STARTED:
            sales_event_record(
                event="payment_callback_replayed",
                order=order,
                origin=origin,
                data={"attempt": locked.attempt, "state": locked.state},
            )
            return locked
        if not locked.token or token != locked.token:
            sales_event_record(
                event="payment_callback_forged",
                order=order,
                origin=origin,
                data={"attempt": locked.attempt, "token": token[:100]},
            )
            return locked
        now = timezone.now()
        if order.state != Order.State.AWAITING_PAYMENT:
            # Not verifying makes the bank give the money back.
            _payment_close(
                payment=locked,
                state=Payment.State.CANCELLED,
                origin=origin,
                now=now,
                message=f"order is {order.state}; not verified",
            )
            return locked
        try:
            verification = gateway.verify(token=locked.token, amount=locked.amount)
        except PaymentGatewayError as error:
            # Nothing is known yet: the payment stays open and can be verified again.
            logger.warning("Payment %s: verification failed: %s", locked.pk, error)
            Payment.objects.filter(pk=locked.pk).update(callback_at=now)
            sales_event_record(
                event="payment_verify_error",
                order=order,
                origin=origin,
                data={"attempt": locked.attempt, "error": str(error)[:200]},
            )
            verify_error = error
            verification = None
        if verification is None:
            pass
        elif verification.ok or verification.already_verified:
            locked.state = Payment.State.SUCCEEDED
            locked.reference = verification.reference
            locked.card_mask = verification.card_mask
            locked.message = verification.message[:300]
            locked.callback_at = locked.verified_at = now
            locked.save()
            audit_record(
                actor=None,
                actor_label=f"gateway:{locked.gateway}",
                action="payment.succeeded",
                target=locked,
                changes={"state": (Payment.State.STARTED, Payment.State.SUCCEEDED)},
                agency_id=order.agency_id,
                ip_address=origin.ip_address,
            )
            sales_event_record(
                event="payment_verified",
                order=order,
                origin=origin,
                data={
                    "attempt": locked.attempt,
                    "reference": locked.reference,
                    "amount": str(locked.amount),
                },
            )
            order_transition(
                order=order,
                to=Order.State.PAID,
                actor=None,
                origin=origin,
                fields={"paid_at": now},
                event="order_paid",
            )
            sms_queue(
                to=order.customer.mobile,
                body=_("Payment of order %(number)s received. Reference: %(reference)s")
                % {"number": order.number, "reference": locked.reference},
                kind="payment_received",
                agency_id=order.agency_id,
            )
            paid_order = order
        elif close_unpaid:
            state = Payment.State.FAILED if claimed_success else Payment.State.CANCELLED
            _payment_close(
                payment=locked,
                state=state,
                origin=origin,
                now=now,
                message=f"{verification.code}: {verification.message}",
            )
    if verify_error is not None:
        raise PaymentUnavailable(
            _(
                "The bank did not answer. If money was taken it will be confirmed or "
                "returned automatically; you can check this order again in a few minutes."
            ),
            code="gateway",
        ) from verify_error
    if paid_order is not None:
        order_id = paid_order.pk
        transaction.on_commit(lambda: _announce_paid(order_id))
    return locked


def _payment_close(*, payment: Payment, state: str, origin: Origin, now, message: str) -> None:
    payment.state = state
    payment.message = message[:300]
    payment.callback_at = now
    payment.save(update_fields=["state", "message", "callback_at"])
    audit_record(
        actor=None,
        actor_label=f"gateway:{payment.gateway}",
        action=f"payment.{state}",
        target=payment,
        changes={"state": (Payment.State.STARTED, state)},
        agency_id=payment.order.agency_id,
        ip_address=origin.ip_address,
    )
    sales_event_record(
        event=f"payment_{state}",
        order=payment.order,
        origin=origin,
        data={"attempt": payment.attempt, "message": message[:200]},
    )


def _announce_paid(order_id: int) -> None:
    """After the payment committed: a failing receiver is logged, never the customer's error."""
    order = Order.objects.get(pk=order_id)
    signal_send_robust(
        order_paid, name="order_paid", sender=Order, about={"order_id": order_id}, order=order
    )

"""Paying an order: verification exactly once; replays, forgeries and wrong amounts change nothing."""

from __future__ import annotations

import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from core.models import SandboxPayment, SmsMessage
from core.payments.base import PaymentGatewayError
from policies.models import Order, Payment, SalesEvent
from policies.services.payments import PaymentUnavailable, payment_complete, payment_start
from policies.signals import order_paid
from tests.policies.fixtures_sales import make_order

State = Order.State


def start(order, customer):
    return payment_start(
        order=order,
        actor=customer,
        callback_url=lambda p: f"http://localhost/payments/{p.public_id}/callback/",
        gateway_name="sandbox",
    )


def bank(token, state="paid", **fields):
    """What the customer does on the sandbox bank's page."""
    SandboxPayment.objects.filter(token=token).update(
        state=state, paid_at=timezone.now(), bank_reference="123456789012", **fields
    )


def snapshot(order):
    payments = list(Payment.objects.filter(order=order).order_by("attempt").values())
    return Order.objects.get(pk=order.pk).state, payments, SmsMessage.objects.count()


@pytest.mark.django_db
def test_a_paid_payment_is_verified_once_and_pays_the_order(
    awaiting_order, customer, django_capture_on_commit_callbacks
):
    payment, redirect = start(awaiting_order, customer)
    assert (payment.attempt, payment.amount, payment.state) == (1, Decimal("12345000"), "started")
    assert redirect.url.endswith(f"/dev/bank/{payment.token}/")
    bank(payment.token)
    received = []
    order_paid.connect(
        lambda sender, order, **kw: received.append(order.pk), weak=False, dispatch_uid="test"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = payment_complete(
                payment=payment, params={"token": payment.token, "status": "OK"}
            )
    finally:
        order_paid.disconnect(dispatch_uid="test")
    assert (result.state, result.reference) == ("succeeded", "123456789012")
    awaiting_order.refresh_from_db()
    assert awaiting_order.state == State.PAID and awaiting_order.paid_at is not None
    assert received == [awaiting_order.pk]
    assert SandboxPayment.objects.get(token=payment.token).verified_at is not None
    assert SmsMessage.objects.filter(kind="payment_received", to=customer.mobile).count() == 1

    # The same callback again (a reload, a replay): nothing changes.
    before = snapshot(awaiting_order)
    again = payment_complete(payment=payment, params={"token": payment.token, "status": "OK"})
    assert again.state == "succeeded"
    assert snapshot(awaiting_order) == before
    assert SalesEvent.objects.filter(order=awaiting_order, event="payment_verified").count() == 1
    assert SalesEvent.objects.filter(
        order=awaiting_order, event="payment_callback_replayed"
    ).exists()


@pytest.mark.django_db
def test_a_forged_callback_claiming_success_changes_nothing(awaiting_order, customer):
    payment, _redirect = start(awaiting_order, customer)
    before = snapshot(awaiting_order)
    # Not paid at the bank, but the browser says OK.
    result = payment_complete(payment=payment, params={"token": "made-up", "status": "OK"})
    assert result.state == "started"
    assert snapshot(awaiting_order) == before
    assert SandboxPayment.objects.get(token=payment.token).verified_at is None


@pytest.mark.django_db
def test_a_reference_of_another_payment_changes_nothing(awaiting_order, customer, line, tariff):
    other_order = make_order(
        line=line, tariff=tariff, customer=customer, state=State.AWAITING_PAYMENT, premium="100"
    )
    mine, _ = start(awaiting_order, customer)
    foreign, _ = start(other_order, customer)
    bank(foreign.token)
    before = snapshot(awaiting_order)
    result = payment_complete(payment=mine, params={"token": foreign.token, "status": "OK"})
    assert result.state == "started"
    assert snapshot(awaiting_order) == before
    assert SandboxPayment.objects.get(token=foreign.token).verified_at is None


@pytest.mark.django_db
def test_an_amount_mismatch_is_not_accepted_and_the_order_stays_payable(awaiting_order, customer):
    payment, _ = start(awaiting_order, customer)
    # The bank recorded a different amount than we asked for (a tampered request).
    bank(payment.token, amount=Decimal("1000"))
    result = payment_complete(payment=payment, params={"token": payment.token, "status": "OK"})
    assert result.state == "failed"
    assert "-50" in result.message
    awaiting_order.refresh_from_db()
    assert awaiting_order.state == State.AWAITING_PAYMENT
    assert SandboxPayment.objects.get(token=payment.token).verified_at is None
    # It can be paid again, on a new attempt.
    second, _ = start(awaiting_order, customer)
    bank(second.token)
    assert payment_complete(
        payment=second, params={"token": second.token, "status": "OK"}
    ).state == ("succeeded")
    assert list(Payment.objects.filter(order=awaiting_order).values_list("attempt", "state")) == [
        (2, "succeeded"),
        (1, "failed"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bank_state", "status", "expected"),
    [
        ("failed", "NOK", "cancelled"),
        ("cancelled", "NOK", "cancelled"),
        ("pending", "OK", "failed"),
    ],
)
def test_a_failed_or_abandoned_payment_leaves_the_order_payable(
    bank_state, status, expected, awaiting_order, customer
):
    payment, _ = start(awaiting_order, customer)
    SandboxPayment.objects.filter(token=payment.token).update(state=bank_state)
    result = payment_complete(payment=payment, params={"token": payment.token, "status": status})
    assert result.state == expected
    awaiting_order.refresh_from_db()
    assert awaiting_order.state == State.AWAITING_PAYMENT
    assert awaiting_order.is_payable


@pytest.mark.django_db
def test_a_new_attempt_abandons_the_open_one(awaiting_order, customer):
    first, _ = start(awaiting_order, customer)
    second, _ = start(awaiting_order, customer)
    first.refresh_from_db()
    assert (first.state, second.attempt) == ("cancelled", 2)
    # The customer had paid the first one after all: it is never verified (the bank returns it).
    bank(first.token)
    payment_complete(payment=first, params={"token": first.token, "status": "OK"})
    assert SandboxPayment.objects.get(token=first.token).verified_at is None
    assert Order.objects.get(pk=awaiting_order.pk).state == State.AWAITING_PAYMENT


@pytest.mark.django_db
def test_a_payment_for_an_order_cancelled_meanwhile_is_not_verified(awaiting_order, customer):
    from policies.services.orders import order_cancel

    payment, _ = start(awaiting_order, customer)
    bank(payment.token)
    order_cancel(order=awaiting_order, actor=customer)
    result = payment_complete(payment=payment, params={"token": payment.token, "status": "OK"})
    assert result.state == "cancelled"
    assert SandboxPayment.objects.get(token=payment.token).verified_at is None


@pytest.mark.django_db
def test_only_an_order_awaiting_payment_can_be_paid(line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer, state=State.DRAFT)
    with pytest.raises(Exception) as error:
        start(order, customer)
    assert getattr(error.value, "code", "") == "order_state"
    assert not Payment.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_a_bank_that_does_not_answer_leaves_the_payment_open(awaiting_order, customer):
    payment, _ = start(awaiting_order, customer)
    bank(payment.token)
    with (
        mock.patch(
            "core.payments.sandbox.SandboxGateway.verify",
            side_effect=PaymentGatewayError("timeout"),
        ),
        pytest.raises(PaymentUnavailable),
    ):
        payment_complete(payment=payment, params={"token": payment.token, "status": "OK"})
    payment.refresh_from_db()
    assert payment.state == "started"
    assert SalesEvent.objects.filter(order=awaiting_order, event="payment_verify_error").exists()
    # The customer comes back later: it verifies now.
    assert payment_complete(
        payment=payment, params={"token": payment.token, "status": "OK"}
    ).state == ("succeeded")


@pytest.mark.django_db(transaction=True)
def test_concurrent_callbacks_verify_exactly_once(drop_schemas_after, line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer, state=State.AWAITING_PAYMENT)
    payment, _ = start(order, customer)
    bank(payment.token)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def callback():
        try:
            barrier.wait()
            results.append(
                payment_complete(
                    payment=payment, params={"token": payment.token, "status": "OK"}
                ).state
            )
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=callback) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == ["succeeded"] * 8
    assert SalesEvent.objects.filter(order=order, event="payment_verified").count() == 1
    assert SmsMessage.objects.filter(kind="payment_received").count() == 1
    assert Order.objects.get(pk=order.pk).state == State.PAID


@pytest.mark.django_db
def test_reconciliation_pays_an_order_whose_customer_never_came_back(awaiting_order, customer):
    import datetime as dt

    from policies.tasks import payments_reconcile

    payment, _ = start(awaiting_order, customer)
    bank(payment.token)
    assert payments_reconcile() == 0  # too recent to ask about
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20)
    )
    assert payments_reconcile() == 1
    payment.refresh_from_db()
    assert payment.state == "succeeded"
    assert Order.objects.get(pk=awaiting_order.pk).state == State.PAID
    assert payments_reconcile() == 0  # nothing left; running it again changes nothing


@pytest.mark.django_db
def test_reconciliation_closes_an_abandoned_attempt_and_keeps_the_order_payable(
    awaiting_order, customer
):
    import datetime as dt

    from policies.tasks import payments_reconcile

    payment, _ = start(awaiting_order, customer)
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=20)
    )
    payments_reconcile()
    payment.refresh_from_db()
    assert payment.state == "started"  # the customer may still be at the bank
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    payments_reconcile()
    payment.refresh_from_db()
    assert payment.state == "cancelled"
    assert Order.objects.get(pk=awaiting_order.pk).is_payable

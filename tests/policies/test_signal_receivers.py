"""The flow apps hear the sale through ``policies.signals`` after it committed (decision 025):
a receiver that raises never fails the customer's or the issuer's request, the sale stands,
the failure is logged with the receiver, the exception and the order or policy id, and the
receivers after it still run. Settlement's receiver only enqueues; what it could not do the
beat sweep does."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AgencyMembership
from core.models import SandboxPayment
from policies.models import Order, Payment, Policy
from policies.services.issuance import policy_issue
from policies.services.payments import payment_start
from policies.signals import order_paid, policy_issued
from settlement.models import Commission
from settlement.tasks import commissions_backfill
from tenants.models import Agency
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order

FAILING = f"{__name__}.failing_receiver"


def failing_receiver(sender: Any, **kwargs: Any) -> None:
    raise RuntimeError("receiver broke")


class Heard:
    """A receiver connected after the failing one: what it heard."""

    def __init__(self) -> None:
        self.orders: list[int] = []
        self.policies: list[int] = []

    def order(self, sender: Any, order: Order, **kwargs: Any) -> None:
        self.orders.append(order.pk)

    def policy(self, sender: Any, policy: Policy, **kwargs: Any) -> None:
        self.policies.append(policy.pk)


@pytest.fixture
def heard():
    heard = Heard()
    for signal, listener in ((order_paid, heard.order), (policy_issued, heard.policy)):
        signal.connect(failing_receiver, weak=False, dispatch_uid="test-failing")
        signal.connect(listener, weak=False, dispatch_uid="test-heard")
    yield heard
    for signal in (order_paid, policy_issued):
        signal.disconnect(dispatch_uid="test-failing")
        signal.disconnect(dispatch_uid="test-heard")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _failures(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "core.dispatch" and record.levelno == logging.ERROR
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_does_not_fail_the_customers_return_from_the_bank(
    heard, caplog, awaiting_order, customer
):
    order = awaiting_order
    payment, _redirect = payment_start(
        order=order,
        actor=customer,
        callback_url=lambda p: f"http://localhost/payments/{p.public_id}/callback/",
        gateway_name="sandbox",
    )
    SandboxPayment.objects.filter(token=payment.token).update(
        state="paid", paid_at=timezone.now(), bank_reference="123456789012"
    )

    bank = Client(raise_request_exception=False)  # the bank's return carries no session
    response = bank.get(
        f"/payments/{payment.public_id}/callback/?token={payment.token}&status=OK",
        HTTP_HOST="localhost",
    )

    assert (response.status_code, response["Location"]) == (302, f"/orders/{order.public_id}/")
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.SUCCEEDED
    assert heard.orders == [order.pk]
    assert _failures(caplog) == [
        f"Receiver {FAILING} of order_paid failed (order_id={order.pk}): "
        "RuntimeError('receiver broke')"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_does_not_fail_the_issue_and_the_policy_stands(
    heard, caplog, motor_line, motor_tariff, buyer, operator
):
    """The signal is sent when the issue's own transaction commits, inside the service."""
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer)

    policy = policy_issue(order=order, actor=operator)

    assert Policy.objects.get(order=order).pk == policy.pk
    assert Order.objects.get(pk=order.pk).state == Order.State.ISSUED
    assert heard.policies == [policy.pk]
    assert Policy.objects.get(pk=policy.pk).pdf_rendered_at is not None  # sent before the signal
    assert _failures(caplog) == [
        f"Receiver {FAILING} of policy_issued failed (policy_id={policy.pk}): "
        "RuntimeError('receiver broke')"
    ]


@pytest.mark.django_db
def test_a_commission_that_fails_at_issuance_is_computed_by_the_sweep(
    monkeypatch, caplog, agency, motor_line, motor_tariff, buyer, django_capture_on_commit_callbacks
):
    """Settlement's receiver only enqueues: the commission failing (here at once, as tests run
    tasks in process) leaves the agency's issue standing, and ``commissions_backfill`` computes
    it once the cause is gone."""
    Agency.objects.filter(pk=agency.pk).update(can_issue=True)
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, agency=agency)
    owner = agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    client = Client(raise_request_exception=False)
    client.force_login(owner)

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("rates unreadable")

    monkeypatch.setattr("settlement.services.commissions.commission_compute", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sales/{order.public_id}/issue/", {}, HTTP_HOST="panel.localhost")

    assert (response.status_code, response["Location"]) == (302, f"/sales/{order.public_id}/")
    policy = Policy.objects.get(order=order)
    assert policy.agency_id == agency.pk
    assert not Commission.objects.exists()
    assert _failures(caplog) == [
        "Receiver settlement.receivers.commission_at_issuance of policy_issued failed "
        f"(policy_id={policy.pk}): RuntimeError('rates unreadable')"
    ]

    monkeypatch.undo()
    assert commissions_backfill.apply().get() == 1
    commission = Commission.objects.get(policy=policy)
    assert (commission.base, commission.amount) == (Decimal("45000000"), Decimal("4500000"))

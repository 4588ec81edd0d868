"""Sales ready for settlement, made quickly with the ORM: an issued policy with its verified
payment (and its commission, computed by the real service) at chosen moments."""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
from decimal import Decimal

from core.jalali import tehran
from policies.models import Order, Payment, Policy
from settlement.models import Commission
from settlement.services.commissions import commission_compute
from tests.policies.fixtures_sales import make_order

_numbers = itertools.count(1)
DAY = dt.date(2026, 11, 30)  # 1405/09/09, a business day long over


def tehran_time(day: dt.date, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tehran())


def ensure_default_rates() -> None:
    """The rates the data migration adds; a transactional test run before may have emptied
    the table (TransactionTestCase truncates every table when it ends)."""
    from django.apps import apps

    from settlement.models import CommissionRate

    if not CommissionRate.objects.exists():
        migration = importlib.import_module("settlement.migrations.0002_default_commission_rates")
        migration.add(apps, None)


def sale(
    *,
    line,
    tariff,
    customer,
    agency=None,
    premium: str = "12345000",
    paid_at: dt.datetime | None = None,
    issued_at: dt.datetime | None = None,
    issued: bool = True,
    with_commission: bool = True,
    reference: str | None = None,
) -> Payment:
    """A verified payment of ``premium`` rials, of a policy issued at ``issued_at`` (unless
    ``issued`` is false); an agency's policy gets its commission unless told otherwise."""
    ensure_default_rates()
    paid_at = paid_at or tehran_time(DAY)
    issued_at = issued_at or paid_at + dt.timedelta(minutes=30)
    number = next(_numbers)
    order = make_order(
        line=line,
        tariff=tariff,
        customer=customer,
        agency=agency,
        state=Order.State.ISSUED if issued else Order.State.PAID,
        premium=premium,
    )
    payment = Payment.objects.create(
        order=order,
        attempt=1,
        gateway="sandbox",
        amount=Decimal(premium),
        token=f"tok-{number}",
        state=Payment.State.SUCCEEDED,
        reference=reference if reference is not None else f"REF{number:08d}",
        verified_at=paid_at,
        callback_at=paid_at,
    )
    if issued:
        policy = Policy.objects.create(
            order=order,
            number=f"1405-99-{number:06d}",
            line=line,
            jalali_year=1405,
            sequence=number,
            agency=agency,
            customer=customer,
            start_date=issued_at.date(),
            end_date=issued_at.date() + dt.timedelta(days=365),
            premium=Decimal(premium),
            tariff_version=tariff,
            verification_code=f"V{number:09d}",
        )
        Policy.objects.filter(pk=policy.pk).update(issued_at=issued_at)
        if agency is not None and with_commission:
            assert commission_compute(policy_id=policy.pk) is not None
    return payment


def issue_later(payment: Payment, *, issued_at: dt.datetime) -> Policy:
    """Issue the policy of a sale made with ``issued=False``."""
    order = payment.order
    number = next(_numbers)
    Order.objects.filter(pk=order.pk).update(state=Order.State.ISSUED)
    policy = Policy.objects.create(
        order=order,
        number=f"1405-99-{number:06d}",
        line=order.line,
        jalali_year=1405,
        sequence=number,
        agency=order.agency,
        customer=order.customer,
        start_date=issued_at.date(),
        end_date=issued_at.date() + dt.timedelta(days=365),
        premium=order.premium,
        tariff_version=order.tariff_version,
        verification_code=f"V{number:09d}",
    )
    Policy.objects.filter(pk=policy.pk).update(issued_at=issued_at)
    if order.agency is not None:
        commission_compute(policy_id=policy.pk)
    return policy


def commission_of(payment: Payment) -> Decimal:
    return Commission.objects.get(policy__order=payment.order).amount

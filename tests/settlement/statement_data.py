"""Commissions of issued policies at chosen Tehran moments, and their settlement items, made
with the ORM so that every rial of a statement is known in advance."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import jdatetime

from core.jalali import tehran
from core.money import to_rials
from policies.models import Order, Payment, Policy
from settlement.models import (
    Commission,
    CommissionRate,
    SettlementBatch,
    SettlementConfirmation,
    SettlementConfirmationLine,
    SettlementExport,
    SettlementItem,
    SettlementMismatch,
)
from tests.policies.fixtures_sales import make_order

ABAN = (1404, 8)  # 2025-10-23 … 2025-11-21
AZAR = (1404, 9)  # 2025-11-22 … 2025-12-21

_numbers = itertools.count(1)


def jalali_moment(
    year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0
):
    """A moment of a Jalali day in Tehran time."""
    date = jdatetime.date(year, month, day).togregorian()
    return dt.datetime(date.year, date.month, date.day, hour, minute, second, tzinfo=tehran())


def sold(
    *,
    agency,
    line,
    tariff,
    customer,
    issued_at: dt.datetime,
    premium: str = "65314000",
    base: str = "57800000",
    percent: str = "5",
) -> Commission:
    """An issued policy of ``agency`` with its commission: ``percent`` of ``base`` rials."""
    number = next(_numbers)
    order = make_order(
        line=line,
        tariff=tariff,
        customer=customer,
        agency=agency,
        state=Order.State.ISSUED,
        premium=premium,
    )
    policy = Policy.objects.create(
        order=order,
        number=f"1404-77-{number:06d}",
        line=line,
        jalali_year=1404,
        sequence=number,
        agency=agency,
        customer=customer,
        start_date=issued_at.date(),
        end_date=issued_at.date() + dt.timedelta(days=365),
        premium=Decimal(premium),
        tariff_version=tariff,
        verification_code=f"S{number:09d}",
    )
    Policy.objects.filter(pk=policy.pk).update(issued_at=issued_at)
    policy.issued_at = issued_at
    # The migrated default rates do not survive a transactional test's flush.
    rate, _created = CommissionRate.objects.get_or_create(
        agency_kind="",
        line_code="*",
        effective_from=dt.date(2020, 3, 20),
        defaults={"percent": Decimal("10")},
    )
    return Commission.objects.create(
        policy=policy,
        agency=agency,
        rate=rate,
        percent=Decimal(percent),
        base=Decimal(base),
        amount=to_rials(Decimal(base) * Decimal(percent) / Decimal(100)),
        issued_at=issued_at,
    )


def settled(
    commission: Commission,
    *,
    batch_state: str = SettlementBatch.State.CONFIRMED,
    item_state: str = SettlementItem.State.CONFIRMED,
    amount: Decimal | None = None,
    item_commission: Decimal | None = None,
    confirmed_amount: Decimal | None | str = "same",
) -> SettlementItem:
    """The policy's payment in a settlement batch of ``batch_state``; by default exported and
    confirmed by the core system for exactly its premium and commission."""
    policy = commission.policy
    amount = policy.premium if amount is None else amount
    number = next(_numbers)
    payment = Payment.objects.create(
        order=policy.order,
        attempt=1,
        gateway="sandbox",
        amount=amount,
        token=f"stmt-{number}",
        state=Payment.State.SUCCEEDED,
        reference=f"BANK{number:08d}",
        verified_at=policy.issued_at,
    )
    day = policy.issued_at.astimezone(tehran()).date()
    batch = SettlementBatch.objects.filter(agency=commission.agency, day=day).first()
    if batch is None:
        export = None
        if batch_state != SettlementBatch.State.OPEN:
            export = SettlementExport.objects.create(
                number=f"EX-{number}",
                day=day,
                sequence=number,
                batch_count=1,
                item_count=1,
                total_amount=amount,
                total_commission=commission.amount,
            )
        batch = SettlementBatch.objects.create(
            agency=commission.agency, day=day, state=batch_state, export=export
        )
    assert batch.state == batch_state, "one batch per agency and day: sell on another day"
    item = SettlementItem.objects.create(
        batch=batch,
        payment=payment,
        policy=policy,
        agency=commission.agency,
        amount=amount,
        commission=commission.amount if item_commission is None else item_commission,
        policy_number=policy.number,
        line_code=policy.line.code,
        gateway="sandbox",
        bank_reference=payment.reference,
        paid_at=policy.issued_at,
        issued_at=policy.issued_at,
    )
    _answer(item, item_state, amount if confirmed_amount == "same" else confirmed_amount)
    return item


def _answer(item: SettlementItem, state: str, confirmed_amount: Decimal | None) -> None:
    """What the core system said of ``item``: a line of its export's confirmation (none when
    missing) and the difference it makes, as ``settlement.services.confirmations`` records."""
    export = item.batch.export
    if state == SettlementItem.State.PENDING or export is None:
        return
    confirmation = export.confirmation
    if confirmation is None:
        confirmation = SettlementConfirmation.objects.create(
            export=export,
            file="x.csv",
            original_name="x.csv",
            sha256="0" * 64,
            size=1,
            state=SettlementConfirmation.State.APPLIED,
        )
        export.confirmation = confirmation
        export.save(update_fields=["confirmation"])
    if state == SettlementItem.State.MISSING:
        SettlementMismatch.objects.create(
            confirmation=confirmation, kind="missing", item=item, expected_amount=item.amount
        )
        return
    SettlementConfirmationLine.objects.create(
        confirmation=confirmation,
        item_ref=item.pk,
        line_number=item.pk,
        policy_number=item.policy_number,
        core_policy_number=f"CORE-{item.pk}",
        amount=confirmed_amount if confirmed_amount is not None else item.amount,
    )
    if state == SettlementItem.State.DIFFERS:
        SettlementMismatch.objects.create(
            confirmation=confirmation,
            kind="amount" if confirmed_amount != item.amount else "policy",
            item=item,
            expected_amount=item.amount,
            confirmed_amount=confirmed_amount,
        )

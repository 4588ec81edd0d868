"""Paid orders built with the ORM, for the issuance tests (no catalog, no quote engine)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User
from policies.models import Line, Order, OrderDocument, Payment, Quote, TariffVersion
from tests.factories import create_user

__all__ = ["buyer", "motor_line", "motor_tariff", "operator"]

_tokens = itertools.count(1)


@pytest.fixture
def motor_line(db):
    return Line.objects.create(code="issuance_motor", number_code=1, name="بیمه شخص ثالث")


@pytest.fixture
def motor_tariff(motor_line):
    return TariffVersion.objects.create(
        line=motor_line, number=1, status=TariffVersion.Status.ACTIVE
    )


@pytest.fixture
def buyer(db):
    return create_user(first_name="مریم", last_name="احمدی", national_code="0499370899")


@pytest.fixture
def operator(db):
    return create_user(insurer_role=User.InsurerRole.OPERATOR)


def paid_order(
    *,
    line: Line,
    tariff: TariffVersion,
    customer: User,
    agency=None,
    premium: str = "45000000",
    paid_at: dt.datetime | None = None,
    document: bool = False,
) -> Order:
    """An order as a verified payment leaves it: state paid, one succeeded payment."""
    quote = Quote.objects.create(
        line=line,
        tariff_version=tariff,
        answers={"vehicle": "car"},
        premium=Decimal(premium),
        breakdown=[{"code": "base", "label": "حق بیمه پایه", "amount": premium}],
        term_days=365,
        agency=agency,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    paid_at = paid_at or timezone.now()
    order = Order.objects.create(
        channel=Order.Channel.AGENCY if agency else Order.Channel.MAIN,
        agency=agency,
        customer=customer,
        quote=quote,
        line=line,
        tariff_version=tariff,
        premium=quote.premium,
        breakdown=quote.breakdown,
        term_days=365,
        state=Order.State.PAID,
        step="review",
        insured_first_name="مریم",
        insured_last_name="احمدی",
        insured_national_code="0499370899",
        insured_birth_date=dt.date(1990, 3, 21),
        insured_mobile=customer.mobile,
        details={"plate": "12ب345-67"},
        delivery_method=Order.Delivery.IN_PERSON,
        submitted_at=paid_at,
        paid_at=paid_at,
    )
    Payment.objects.create(
        order=order,
        attempt=1,
        gateway="sandbox",
        amount=order.premium,
        token=f"issuance-{next(_tokens)}",
        state=Payment.State.SUCCEEDED,
        reference="123456789012",
        verified_at=paid_at,
    )
    if document:
        from django.core.files.base import ContentFile

        content = b"%PDF-1.4 test document"
        OrderDocument.objects.create(
            order=order,
            kind="vehicle_card",
            file=ContentFile(content, name="card.pdf"),
            content_type="application/pdf",
            size=len(content),
            original_name="card.pdf",
            sha256="0" * 64,
            uploaded_by=customer,
        )
    return order

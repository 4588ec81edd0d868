"""Fixtures of the renewal workflow's tests: the CRM's (agency 685, its owner, a line) plus
service staff and book policies expiring on chosen days."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from accounts.models import AgencyMembership
from crm.models import BookPolicy, Customer
from tests.crm.conftest import inside, owner, owner_of, sale_line, staff_member
from tests.factories import create_user

__all__ = ["inside", "owner", "owner_of", "sale_line", "staff_member"]

_numbers = itertools.count(1)


def add_staff(agency, count: int, role: str = AgencyMembership.Role.STAFF) -> list[int]:
    """``count`` active members of ``agency`` with ``role``; their user ids."""
    ids = []
    for index in range(count):
        user = create_user(first_name="کارمند", last_name=f"شماره {index + 1}")
        AgencyMembership.objects.create(user=user, agency=agency, role=role)
        ids.append(user.pk)
    return ids


def add_policy(
    agency,
    *,
    end_date: dt.date,
    line_code: str = "crm_motor",
    premium: Decimal = Decimal("10000000"),
    customer: Customer | None = None,
    mobile: str = "",
    **fields,
) -> BookPolicy:
    """An other-insurer policy of a new (or the given) customer, expiring on ``end_date``."""
    number = next(_numbers)
    with inside(agency):
        if customer is None:
            customer = Customer.objects.create(
                first_name="مشتری",
                last_name=f"شماره {number}",
                source="panel",
                mobile=mobile or f"0912{number:07d}",
                sms_consent=True,
            )
        return BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code=line_code,
            number=f"T-{number}",
            start_date=end_date - dt.timedelta(days=365),
            end_date=end_date,
            premium=premium,
            **fields,
        )


@pytest.fixture
def service_staff(agency) -> list[int]:
    """Four staff members of agency 685 (their user ids)."""
    return add_staff(agency, 4)

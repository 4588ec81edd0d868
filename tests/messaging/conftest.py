"""Fixtures of SMS automation's tests: the CRM's (agencies' members, a catalog line) and a
customer with a policy, a cheque, an activity and a claim in the agency's schema; members of
each role and customers who agreed to SMS (bulk sends)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AgencyMembership
from core.jalali import tehran
from crm.models import (
    Activity,
    BookPolicy,
    Case,
    ClaimRecord,
    Customer,
    CustomerGroup,
    CustomerGroupMembership,
    Instrument,
)
from tests.crm.conftest import inside, owner, sale_line, staff_member
from tests.factories import create_user

__all__ = ["owner", "sale_line", "staff_member"]

PANEL = "panel.localhost"
EXPIRY = dt.date(2027, 3, 20)  # 1405/12/29
DUE = dt.date(2026, 12, 10)  # 1405/09/19
MEETING = dt.datetime(2026, 12, 11, 10, 30, tzinfo=tehran())  # 1405/09/20 10:30 in Tehran


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def staff_client(client, staff_member):
    client.force_login(staff_member.user)
    return client


@pytest.fixture
def insured(agency, sale_line):
    """Maryam Kazemi with a motor policy in force, a due cheque, a meeting and a claim."""
    line, _tariff = sale_line
    with inside(agency):
        customer = Customer.objects.create(
            first_name="مریم", last_name="کاظمی", source="panel", mobile="09121112233"
        )
        policy = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="iran",
            line_code=line.code,
            number="IR-778899",
            start_date=EXPIRY - dt.timedelta(days=365),
            end_date=EXPIRY,
            premium=Decimal("12345000"),
        )
        cheque = Instrument.objects.create(
            customer=customer, kind="cheque", amount=Decimal("5000000"), due_date=DUE
        )
        case = Case.objects.create(customer=customer, kind="meeting", title="بازدید")
        activity = Activity.objects.create(
            case=case, kind="meeting", subject="بازدید خودرو", due_at=MEETING
        )
        claim = ClaimRecord.objects.create(
            customer=customer,
            number="K-4521",
            filed_at=DUE,
            claimed_amount=Decimal("80000000"),
        )
    return {
        "customer": customer,
        "policy": policy,
        "cheque": cheque,
        "activity": activity,
        "claim": claim,
    }


def today() -> dt.date:
    return timezone.localdate()


# ---- bulk sends ----------------------------------------------------------------------------

_numbers = itertools.count(1)


@pytest.fixture
def owner_membership(agency) -> AgencyMembership:
    return agency.memberships.get(role=AgencyMembership.Role.OWNER)


@pytest.fixture
def manager_membership(agency) -> AgencyMembership:
    return AgencyMembership.objects.create(
        user=create_user(first_name="مریم", last_name="مدیر"),
        agency=agency,
        role=AgencyMembership.Role.MANAGER,
    )


@pytest.fixture
def staff_membership(agency) -> AgencyMembership:
    return AgencyMembership.objects.create(
        user=create_user(first_name="سارا", last_name="کارمند"),
        agency=agency,
        role=AgencyMembership.Role.STAFF,
    )


def person(first_name: str = "مینا", group: CustomerGroup | None = None, **fields) -> Customer:
    """A customer who agreed to SMS, unless told otherwise; in ``group`` if given."""
    fields.setdefault("mobile", f"0936{next(_numbers):07d}")
    fields.setdefault("sms_consent", True)
    fields.setdefault("source", Customer.Source.PANEL)
    fields.setdefault("last_name", "احمدی")
    customer = Customer.objects.create(first_name=first_name, **fields)
    if group is not None:
        CustomerGroupMembership.objects.create(customer=customer, group=group)
    return customer

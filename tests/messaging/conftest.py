"""Fixtures of the bulk send tests: the agency's members, credit and customers."""

from __future__ import annotations

import itertools

import pytest

from accounts.models import AgencyMembership
from crm.models import Customer, CustomerGroup, CustomerGroupMembership
from tests.factories import create_user

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
    customer = Customer.objects.create(first_name=first_name, last_name="احمدی", **fields)
    if group is not None:
        CustomerGroupMembership.objects.create(customer=customer, group=group)
    return customer

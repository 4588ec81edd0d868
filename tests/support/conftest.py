"""Support tickets' test data: a customer, a second customer, agency 685 (owner and a staff
member), agency 686, the insurer's branch staff, and a queue with its manager."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AgencyMembership
from support.models import Category, Ticket
from support.services import Party, staff_answer, staff_note, ticket_open
from tests.factories import create_user
from tests.files import png_bytes


def support_seed() -> None:
    """The categories and holidays the data migration seeds (a transactional test elsewhere
    may have flushed them)."""
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    if not Category.objects.exists():
        seed = import_module("support.migrations.0002_seed_categories_and_holidays").seed
        seed(apps, SimpleNamespace(connection=connection))


def category_of(code: str) -> Category:
    support_seed()
    return Category.objects.get(code=code)


@pytest.fixture(autouse=True)
def _support_seeded(db):
    support_seed()


@dataclass
class People:
    customer: object
    stranger: object
    owner: object
    member: object
    owner_b: object
    operator: object
    manager: object
    marketing: object


@pytest.fixture
def people(agency, other_agency) -> People:
    member = create_user(first_name="کارمند", last_name="نمایندگی")
    AgencyMembership.objects.create(agency=agency, user=member, role=AgencyMembership.Role.STAFF)
    return People(
        customer=create_user(first_name="مریم", last_name="کاظمی", email="maryam@example.com"),
        stranger=create_user(first_name="بیگانه", last_name="دیگر"),
        owner=agency.memberships.get(role=AgencyMembership.Role.OWNER).user,
        member=member,
        owner_b=other_agency.memberships.get().user,
        operator=create_user(first_name="اپراتور", last_name="شعبه", insurer_role="operator"),
        manager=create_user(
            first_name="مدیر",
            last_name="شعبه",
            insurer_role="branch_manager",
            email="manager@example.com",
        ),
        marketing=create_user(insurer_role="marketing"),
    )


@pytest.fixture
def category(people) -> Category:
    category = category_of("payments")
    category.manager = people.manager
    category.save()
    return category


def png_upload(name: str = "receipt.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture
def customer_ticket(people, category) -> Ticket:
    return ticket_open(
        party=Party.customer(people.customer),
        category=category,
        subject="پرداخت دوبار کسر شد",
        body="مبلغ حق بیمه دو بار از حسابم کم شد.",
        files=[png_upload()],
    )


@pytest.fixture
def agency_ticket(people, category, agency) -> Ticket:
    return ticket_open(
        party=Party.of_agency(agency=agency, user=people.member),
        category=category,
        subject="کارمزد ماه گذشته",
        body="صورت‌حساب کارمزد ماه گذشته نیامده است.",
        files=[png_upload("statement.png")],
    )


@pytest.fixture
def noted(people, customer_ticket, agency_ticket):
    """Both tickets answered in public and with an internal note each."""
    for ticket in (customer_ticket, agency_ticket):
        staff_answer(actor=people.operator, ticket=ticket, body="پاسخ عمومی شرکت بیمه")
        staff_note(actor=people.operator, ticket=ticket, body="SECRET-NOTE یادداشت داخلی")
    return customer_ticket, agency_ticket

"""The customer card: one call, everything about the customer, a constant number of
queries; staff see only the cases and activities assigned to them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import (
    Activity,
    BookPolicy,
    Case,
    ClaimRecord,
    Complaint,
    ContactLog,
    CustomerRank,
    Gift,
    Instrument,
)
from crm.selectors.card import customer_card
from crm.services.contacts import AddressInput
from crm.services.customers import customer_create
from crm.services.merge import customer_merge
from crm.services.relations import customer_relation_add
from tests.crm.conftest import inside
from tests.factories import create_user

pytestmark = pytest.mark.django_db


def _fill(customer, *, times: int, assignee_id: int, other_id: int) -> None:
    for index in range(times):
        book = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="asia",
            line_code="fire" if index % 2 else "third_party",
            number=f"N-{customer.pk}-{index}",
            end_date=dt.date(2027, 1, 1) + dt.timedelta(days=index),
            sold_by_user_id=assignee_id,
        )
        mine = Case.objects.create(
            customer=customer, kind="sale", title=f"پرونده {index}", assignee_user_id=assignee_id
        )
        theirs = Case.objects.create(
            customer=customer, kind="service", title=f"دیگر {index}", assignee_user_id=other_id
        )
        Activity.objects.create(
            case=mine, kind="call", subject="تماس", assignee_user_id=assignee_id
        )
        Activity.objects.create(
            case=theirs, kind="visit", subject="بازدید", assignee_user_id=other_id
        )
        Complaint.objects.create(
            customer=customer, subject="دیر", text="دیر", referred_to_user_id=other_id
        )
        ClaimRecord.objects.create(
            customer=customer, book_policy=book, filed_at=dt.date(2026, 1, 1)
        )
        Gift.objects.create(customer=customer, kind="سررسید")
        Instrument.objects.create(
            customer=customer, kind="cheque", amount=Decimal(1000), due_date=dt.date(2026, 5, 1)
        )
        ContactLog.objects.create(
            customer=customer,
            phone="09121112233",
            channel="lookup",
            direction="in",
            by_user_id=other_id,
        )


def test_the_card_costs_the_same_queries_whatever_the_customer_holds(agency, owner):
    staff = create_user(first_name="سارا", last_name="کارمند")
    other = create_user(first_name="رضا", last_name="همکار")
    with inside(agency):
        small = customer_create(agency=agency, actor=owner, first_name="علی", last_name="کاظمی")
        big = customer_create(
            agency=agency,
            actor=owner,
            first_name="مریم",
            last_name="احمدی",
            phones=["09121112233", "02188776655"],
            emails=["m@example.com"],
            addresses=[AddressInput(address="تهران"), AddressInput(address="کرج")],
        )
        customer_relation_add(
            agency=agency, actor=owner, customer=big, kind="spouse", related_customer=small
        )
        CustomerRank.objects.create(
            customer=big, score=Decimal("3.5"), band="A", computed_at=timezone.now()
        )
        _fill(small, times=1, assignee_id=staff.pk, other_id=other.pk)
        _fill(big, times=6, assignee_id=staff.pk, other_id=other.pk)

        counts = []
        for customer in (small, big):
            with CaptureQueriesContext(connection) as queries:
                card = customer_card(customer_id=customer.pk)
            counts.append(len(queries))
        assert counts[0] == counts[1]
        # The customer (with region, marketer, rank), 16 lists, line names, people names.
        assert counts == [19, 19]
        assert card.rank.band == "A"
        assert [len(x) for x in (card.book, card.cases, card.activities, card.complaints)] == [
            6,
            12,
            12,
            6,
        ]
        assert len(card.phones) == 2 and len(card.related_from) == 0
        assert [r.related_customer_id for r in card.relations] == [small.pk]
        assert card.line_names == {}  # neither line is in this test's catalog
        assert card.user_names[staff.pk] == "سارا کارمند"
        assert card.user_names[other.pk] == "رضا همکار"
        assert len(card.instruments_due) == 6
        small_card = customer_card(customer_id=small.pk)
        assert [r.customer_id for r in small_card.related_from] == [big.pk]


def test_staff_see_only_what_is_assigned_to_them(agency, owner, staff_member):
    other = create_user()
    with inside(agency):
        customer = customer_create(agency=agency, actor=owner, first_name="علی", last_name="کاظمی")
        _fill(customer, times=2, assignee_id=staff_member.user_id, other_id=other.pk)
        card = customer_card(customer_id=customer.pk, membership=staff_member)
        assert {case.assignee_user_id for case in card.cases} == {staff_member.user_id}
        assert len(card.cases) == 2
        assert {a.assignee_user_id for a in card.activities} == {staff_member.user_id}
        # The owner sees every case.
        owner_membership = agency.memberships.get(user=owner)
        assert len(customer_card(customer_id=customer.pk, membership=owner_membership).cases) == 4
        # Complaints as on the complaint pages: staff see those referred to them or they took.
        assert len(card.complaints) == 0
        # The rest of the card is the same for both.
        assert len(card.book) == 2


def test_a_merged_customer_has_no_card_of_its_own(agency, owner):
    with inside(agency):
        kept = customer_create(agency=agency, actor=owner, first_name="علی", last_name="کاظمی")
        gone = customer_create(
            agency=agency, actor=owner, first_name="علي", last_name="كاظمي", allow_duplicates=True
        )
        customer_merge(agency=agency, actor=owner, survivor=kept, merged=gone)
        assert customer_card(customer_id=gone.pk) is None
        card = customer_card(customer_id=kept.pk)
        assert [merge.merged_id for merge in card.merges] == [gone.pk]
        assert customer_card(customer_id=999999) is None

"""Each customer's standing (decision 062) is kept by the database in the statement that
changes the book, a complaint or a gift, whatever wrote it (the ORM, ``bulk_create``, a
queryset ``update``, raw SQL, a merge): after every step it equals the live figures of
decision 031's rules, for every customer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.models import BookPolicy, Complaint, Customer, CustomerStanding, Gift
from crm.services.merge import customer_merge
from tests.crm.conftest import inside, owner_of
from tests.crm.reports_data import book, customer, renewed_pair

pytestmark = pytest.mark.django_db

UNSETTLED = ("open", "referred", "rejected")
NOT_CANCELLED = ~Q(state="cancelled")


def _live() -> dict[int, tuple]:
    """Every customer's figures computed now from the book, complaints and gifts."""
    book_rows = {
        row["customer_id"]: row
        for row in BookPolicy.objects.order_by()
        .values("customer_id")
        .annotate(
            renewals=Count("id", filter=Q(renewed_by__isnull=False) | Q(state="renewed")),
            policies=Count("id", filter=NOT_CANCELLED),
            premium=Coalesce(Sum("premium", filter=NOT_CANCELLED), Value(Decimal(0))),
            since=Min("start_date"),
        )
    }
    complaints = {
        row["customer_id"]: row
        for row in Complaint.objects.order_by()
        .values("customer_id")
        .annotate(
            every=Count("id"),
            unsettled=Count("id", filter=Q(state__in=UNSETTLED)),
            last=Max("received_at", filter=Q(state__in=UNSETTLED)),
        )
    }
    gifts = dict(
        Gift.objects.filter(response="negative")
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    figures = {}
    for pk in Customer.objects.values_list("pk", flat=True):
        b, k = book_rows.get(pk, {}), complaints.get(pk, {})
        figures[pk] = (
            b.get("renewals", 0),
            b.get("policies", 0),
            b.get("premium", Decimal(0)),
            b.get("since"),
            k.get("every", 0),
            k.get("unsettled", 0),
            k.get("last"),
            gifts.get(pk, 0),
        )
    return figures


def _kept() -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in CustomerStanding.objects.values_list(
            "customer_id",
            "renewals",
            "policies",
            "premium",
            "since",
            "complaints",
            "unsettled_complaints",
            "last_unsettled_at",
            "displeased_gifts",
        )
    }


def _assert_current() -> None:
    assert _kept() == _live()


def test_the_standing_follows_every_kind_of_write(agency):
    with inside(agency):
        mina, reza = customer(), customer(first_name="رضا")
        _assert_current()  # a new customer has its row at once
        first = book(mina, end=dt.date(2026, 3, 1), start=dt.date(2025, 3, 1))
        renewed_pair(mina, end=dt.date(2027, 3, 1))
        _assert_current()
        BookPolicy.objects.filter(pk=first.pk).update(state="cancelled")  # queryset update
        _assert_current()
        BookPolicy.objects.bulk_create(
            [
                BookPolicy(
                    customer=reza,
                    origin="other",
                    insurer_code="dana",
                    line_code="fire",
                    number=f"B-{n}",
                    start_date=dt.date(2024, 1, n + 1),
                    end_date=dt.date(2025, 1, n + 1),
                    premium=Decimal(1000 * (n + 1)),
                )
                for n in range(3)
            ]
        )
        _assert_current()
        with connection.cursor() as cursor:  # raw SQL, as the renewals' nightly build writes
            cursor.execute(
                "UPDATE crm_bookpolicy SET state = 'renewed', premium = NULL WHERE number = 'B-0'"
            )
        _assert_current()
        BookPolicy.objects.filter(number="B-2").delete()
        _assert_current()
        complaint = Complaint.objects.create(customer=mina, subject="دیر", text="-")
        Complaint.objects.create(
            customer=mina,
            subject="قدیمی",
            text="-",
            received_at=timezone.now() - dt.timedelta(days=9),
        )
        _assert_current()
        complaint.state = Complaint.State.RESOLVED
        complaint.save()
        _assert_current()
        gift = Gift.objects.create(customer=reza, kind="تقویم", response="negative")
        _assert_current()
        gift.response = "positive"
        gift.save(update_fields=["response"])
        _assert_current()
        Customer.objects.bulk_create(
            [Customer(first_name="الف", last_name=f"ب{n}", source="panel") for n in range(2)]
        )
        _assert_current()


def test_a_merge_moves_the_figures_to_the_survivor(agency):
    with inside(agency):
        kept, gone = customer(), customer(first_name="تکراری")
        renewed_pair(kept, end=dt.date(2026, 1, 1))
        renewed_pair(gone, end=dt.date(2025, 1, 1))
        Complaint.objects.create(customer=gone, subject="دیر", text="-")
        customer_merge(agency=agency, actor=owner_of(agency), survivor=kept, merged=gone)
        _assert_current()
        standing = CustomerStanding.objects.get(customer=kept)
        assert (standing.renewals, standing.policies, standing.complaints) == (2, 4, 1)


def test_the_rebuild_repairs_and_a_second_run_changes_nothing(agency):
    with inside(agency):
        person = customer()
        renewed_pair(person, end=dt.date(2026, 1, 1))
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
            cursor.execute("UPDATE crm_customerstanding SET renewals = 7")
            cursor.execute("DELETE FROM crm_customerstanding WHERE customer_id = %s", [person.pk])
            cursor.execute("SET LOCAL session_replication_role = origin")
            cursor.execute("SELECT crm_standing_rebuild()")
        _assert_current()
        before = _kept()
        with connection.cursor() as cursor:
            cursor.execute("SELECT crm_standing_rebuild()")
        assert _kept() == before


def test_keyset_pages_walk_the_whole_ranking_in_order_with_ties_and_empty_dates(agency):
    from crm.reporting.paging import listing_page
    from crm.selectors.reports import loyal_customers

    with inside(agency):
        for index in range(7):
            person = customer(last_name=f"م{index}")
            if index % 3:  # some with a book (renewals and a first start), others none
                renewed_pair(person, end=dt.date(2024 + index % 2, 1, 1))
        listing = loyal_customers(today=dt.date(2026, 7, 14), min_renewals=0)
        every = [row["id"] for row in listing.all()]
        walked, cursor = [], None
        while True:
            page = listing_page(listing, cursor=cursor, size=2)
            walked += [row["id"] for row in page.rows]
            assert page.count == len(every) and not page.more
            if not page.has_next:
                break
            cursor = page.next_cursor
        assert walked == every and len(every) == 7


def test_keyset_pages_of_the_ranking_by_score(agency):
    from crm.models import CustomerRank
    from crm.reporting.paging import listing_page
    from crm.selectors.reports import ranked_customers

    with inside(agency):
        for index, score in enumerate(("12.5000", "90.1250", "12.5000", "3.0000")):
            CustomerRank.objects.create(
                customer=customer(last_name=f"ر{index}"),
                score=Decimal(score),
                band="B",
                computed_at=timezone.now(),
            )
        listing = ranked_customers()
        every = [row["customer__id"] for row in listing.all()]
        walked, cursor = [], None
        while True:
            page = listing_page(listing, cursor=cursor, size=1)
            walked += [row["customer__id"] for row in page.rows]
            if not page.has_next:
                break
            cursor = page.next_cursor
        assert walked == every and len(every) == 4


def test_a_customer_written_from_another_schemas_path_is_refused(agency):
    """The standing's triggers work in the schema the request names: a row of this agency
    written while the search path names another schema (public here) is refused, never
    counted in the other schema's standing."""
    from django.db import DatabaseError, transaction

    with inside(agency):
        model = customer()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(quote_ident(column_name), ', ') FROM information_schema."
                "columns WHERE table_schema = current_schema() AND table_name = 'crm_customer' "
                "AND is_generated = 'NEVER' AND column_name NOT IN ('id', 'mobile')"
            )
            (columns,) = cursor.fetchone()
    schema = connection.ops.quote_name(agency.schema_name)
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    try:
        with (
            pytest.raises(DatabaseError, match="crm standing"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                f"INSERT INTO {schema}.crm_customer ({columns}, mobile) "
                f"SELECT {columns}, '09350000000' FROM {schema}.crm_customer WHERE id = %s",
                [model.pk],
            )
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]

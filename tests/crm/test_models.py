"""The CRM's tables: in every agency schema (and nowhere else), their constraints, the
single settings rows, no foreign key out of the schema, and isolation between agencies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from crm.models import (
    BookPolicy,
    ClaimRecord,
    CrmSettings,
    Customer,
    CustomerPhone,
    CustomerRelation,
    Instrument,
    RankingWeights,
)
from crm.services.customers import customer_create
from tests.crm.conftest import crm_state, inside

pytestmark = pytest.mark.django_db


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name LIKE 'crm\\_%%'",
            [schema],
        )
        return {row[0] for row in cursor.fetchall()}


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(**{"last_name": "x", "source": "panel", **fields})


def test_crm_tables_live_in_each_agency_schema_and_not_in_public(agency):
    assert _tables("public") == set()
    assert {
        "crm_customer",
        "crm_customerphone",
        "crm_bookpolicy",
        "crm_case",
        "crm_activity",
        "crm_instrument",
        "crm_contactlog",
        "crm_customerrank",
        "crm_rankingweights",
        "crm_crmsettings",
    } <= _tables(agency.schema_name)
    with inside(agency):
        assert list(CrmSettings.objects.values_list("id", flat=True)) == [1]
        weights = RankingWeights.objects.get()
        assert (weights.premium_paid, weights.band_a_percent) == (Decimal("1.000"), 10)
        with pytest.raises(IntegrityError), transaction.atomic():
            CrmSettings.objects.create(id=2)


def test_no_foreign_key_leaves_the_agency_schema(agency):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT con.conname, target_ns.nspname FROM pg_constraint con "
            "JOIN pg_class source ON source.oid = con.conrelid "
            "JOIN pg_namespace source_ns ON source_ns.oid = source.relnamespace "
            "JOIN pg_class target ON target.oid = con.confrelid "
            "JOIN pg_namespace target_ns ON target_ns.oid = target.relnamespace "
            "WHERE con.contype = 'f' AND source_ns.nspname = %s AND source.relname LIKE 'crm%%'",
            [agency.schema_name],
        )
        rows = cursor.fetchall()
    assert rows
    assert {schema for _name, schema in rows} == {agency.schema_name}


def test_the_search_key_has_a_trigram_index_where_pg_trgm_is_installed(agency):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        (installed,) = cursor.fetchone()
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
            [agency.schema_name, "crm_customer_search_trgm"],
        )
        found = [row[0] for row in cursor.fetchall()]
    if installed:
        assert len(found) == 1 and "gin_trgm_ops" in found[0]
    else:
        assert found == []


def test_customer_constraints(agency):
    with inside(agency):
        Customer.objects.create(last_name="a", source="panel", national_code="3416721101")
        refused(national_code="3416721101")  # one live customer per national code
        refused(national_code="123")  # ten digits for a person
        refused(party="company", company_name="x", national_code="3416721101")  # eleven
        refused(mobile="0912")  # a stored mobile is normalised
        refused(last_name="")  # someone's name
        # A merged customer keeps its national code; the live one holds it alone.
        live = Customer.objects.get()
        merged = Customer.objects.create(last_name="b", source="panel")
        Customer.objects.filter(pk=merged.pk).update(national_code="3416721101", merged_into=live)
        assert Customer.objects.filter(national_code="3416721101").count() == 2


def test_contact_point_and_book_constraints(agency):
    with inside(agency):
        customer = Customer.objects.create(last_name="a", source="panel")
        CustomerPhone.objects.create(
            customer=customer, kind="mobile", number="09121112233", is_primary=True
        )
        for fields in (
            {"kind": "landline", "number": "02188776655", "is_primary": True},  # two primaries
            {"kind": "mobile", "number": "02188776655"},  # not a mobile
            {"kind": "other", "number": "12345"},
            {"kind": "mobile", "number": "09121112233"},  # twice on one customer
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                CustomerPhone.objects.create(customer=customer, **fields)
        BookPolicy.objects.create(customer=customer, origin="ledger", policy_id=7, line_code="x")
        for fields in (
            {"origin": "ledger", "policy_id": 7},  # one row per ledger policy
            {"origin": "ledger"},  # a ledger row names its policy
            {"origin": "other"},  # another insurer's is named
            {
                "origin": "other",
                "insurer_code": "asia",
                "start_date": dt.date(2026, 2, 1),
                "end_date": dt.date(2026, 1, 1),
            },
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                BookPolicy.objects.create(customer=customer, line_code="x", **fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            CustomerRelation.objects.create(customer=customer, kind="friend")
        with pytest.raises(IntegrityError), transaction.atomic():
            CustomerRelation.objects.create(
                customer=customer, kind="friend", related_customer=customer
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            Instrument.objects.create(
                customer=customer, kind="cheque", amount=0, due_date=dt.date(2026, 1, 1)
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            ClaimRecord.objects.create(
                customer=customer, filed_at=dt.date(2026, 1, 1), state="paid"
            )


def test_a_service_in_agency_a_leaves_agency_b_untouched(agency, other_agency, owner):
    with inside(other_agency):
        before = crm_state()
    with inside(agency):
        customer_create(
            agency=agency,
            actor=owner,
            first_name="علی",
            last_name="کاظمی",
            national_code="3416721101",
            phones=["09121112233"],
        )
        assert Customer.objects.count() == 1
    with inside(other_agency):
        assert crm_state() == before
        assert Customer.objects.count() == 0
    assert connection.schema_name == "public"


def test_the_search_index_command_adds_what_a_schema_lacks(agency):
    from io import StringIO

    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        (installed,) = cursor.fetchone()
        cursor.execute(f'DROP INDEX IF EXISTS "{agency.schema_name}".crm_customer_search_trgm')
    out = StringIO()
    call_command("crm_search_index", stdout=out)
    call_command("crm_search_index", stdout=StringIO())  # twice: nothing more
    assert out.getvalue() == "1 agency schemas checked\n"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
            [agency.schema_name, "crm_customer_search_trgm"],
        )
        assert cursor.fetchone()[0] == installed
    assert connection.schema_name == "public"

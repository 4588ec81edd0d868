"""The CRM section of ``make bench`` (benchmarks/crm.py) run at a tiny scale, so that the
generator, the ledger SQL and the measures keep working as the CRM changes."""

from __future__ import annotations

import pytest
from django.db import connection

from benchmarks import crm as section
from benchmarks._crm_fill import crm_fill
from benchmarks._report import Report
from core.text import search_key
from core.validators import national_code_is_valid
from crm.models import BookPolicy, Customer, CustomerPhone, jalali_month_day
from tests.crm.conftest import inside

pytestmark = pytest.mark.django_db


def test_the_fill_writes_rows_as_the_app_would(agency):
    filled = crm_fill(agency.schema_name, customers=120, policies=180)
    assert (filled.customers, filled.book) == (120, 180)
    assert connection.schema_name == "public"
    with inside(agency):
        customers = list(Customer.objects.all())
        assert len(customers) == 120
        for customer in customers:
            for name in ("first_name", "last_name", "company_name"):
                value = getattr(customer, name)
                assert value == Customer._meta.get_field(name).normalize(value)
            if customer.national_code and customer.party == Customer.Party.PERSON:
                assert national_code_is_valid(customer.national_code)
            assert customer.birth_jalali_month_day == jalali_month_day(customer.birth_date)
            if customer.mobile:
                assert search_key(customer.mobile) in customer.search_key
                assert CustomerPhone.objects.filter(
                    customer=customer, number=customer.mobile, is_primary=True
                ).exists()
        for phone in CustomerPhone.objects.all():
            phone.full_clean()
        origins = set(BookPolicy.objects.values_list("origin", flat=True))
        assert origins == {BookPolicy.Origin.LEDGER, BookPolicy.Origin.OTHER}
        own = BookPolicy.objects.filter(origin=BookPolicy.Origin.LEDGER).select_related("customer")
        assert all(book.customer.kind == Customer.Kind.DEFINITE for book in own)
        # A second fill adds to the first without a clash.
        assert crm_fill(agency.schema_name, customers=10, policies=10).customers == 10


def test_the_section_runs_at_a_tiny_scale(monkeypatch):
    monkeypatch.setenv("BENCH_CRM_SCALE", "0.001")
    report = Report(section=section.TITLE)
    section.run(report)
    rows = {row.measure.split(" (")[0].split(":")[0]: row for row in report.rows}
    for measure in (
        "Fill one agency by SQL",
        "Generate the ledger",
        "Caller lookup p95",
        "Name search p95, all 9 searches",
        "Customer list",
        "Customer card",
        "Backfill of definite customers",
        "Backfill again",
    ):
        assert measure in rows, measure
    # Every number drawn was found; the backfill added every policy, and again nothing.
    lookups = next(note for note in report.notes[section.TITLE] if "Caller lookup" in note)
    found, drawn = lookups.rsplit("; ", 1)[1].removesuffix(" found.").split(" of ")
    assert found == drawn
    assert rows["Backfill again"].passed is True
    assert rows["Backfill of definite customers"].value.endswith(" s")
    assert rows["Backfill again"].value.split(" / ")[1] == "0"

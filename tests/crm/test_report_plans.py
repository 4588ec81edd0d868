"""Each long CRM report picks its page's keys from an index that matches its filter and its
order (decision 062): with sequential and bitmap scans ruled out, the plan of the keys'
query reads that index and sorts nothing (an index that did not match would need a Sort, or
could not be used at all). The totals per region read the sales and the customers' regions
from covering indexes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction

from crm.reporting.catalog import REPORTS
from crm.reporting.forms import Selection
from tests.crm.conftest import inside

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 7, 14)
SELECTION = Selection(today=TODAY, first=dt.date(2026, 6, 22), last=dt.date(2026, 7, 22), days=30)
INDEX_OF = {
    "loyal": "crm_standing_loyal",
    "unhappy": "crm_standing_unhappy",
    "not-expired": "crm_book_report_active",
    "other-insurers": "crm_book_report_active",
    "not-renewed": "crm_book_report_unrenewed",
    "renewed": "crm_book_report_renewed",
}


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("key", INDEX_OF)
def test_the_page_keys_come_in_order_from_the_reports_index(agency, key):
    with inside(agency):
        listing = REPORTS[key].listing(SELECTION)
        keys = listing.keys.order_by(*listing.order_by()).values_list(
            *(k.field for k in listing.order)
        )[:51]
        plan = _plan(keys)
        assert INDEX_OF[key] in plan, plan
        assert "Sort" not in plan, plan


def test_the_unrenewed_days_keys_are_read_from_the_index_alone(agency):
    with inside(agency):
        listing = REPORTS["unrenewed-days"].listing(SELECTION)
        plan = _plan(
            listing.keys.order_by(*listing.order_by()).values_list(
                *(k.field for k in listing.order)
            )[:51]
        )
        assert "Index Only Scan using crm_book_report_unrenewed" in plan, plan


def test_the_totals_per_region_read_covering_indexes(agency):
    with inside(agency):
        plan = _plan(REPORTS["lines-by-region"].query(SELECTION))
        assert "Index Only Scan using crm_book_report_sales" in plan, plan
        assert "using crm_customer_region on" in plan, plan

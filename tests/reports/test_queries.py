"""The reports cost a fixed number of queries however many agencies sell, and none of them
is ever run inside an agency's schema (no per-agency loop, no cross-schema SQL)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies.models import Policy
from referrals.models import Offer, Referral
from settlement.models import SettlementBatch, SettlementItem
from tests.reports.conftest import (
    ABAN_QUERY,
    OPS,
    M,
    batch_of,
    jday,
    make_agency,
    refer,
    sell,
    tehran_at,
)
from tests.reports.pages import html_table

pytestmark = pytest.mark.django_db

PAGES = {
    "/reports/sales/": ("table-by-agency", "table-by-province", "table-by-line"),
    "/reports/referrals/": ("table-offers",),
    "/reports/settlement/": ("table-by-agency",),
}


def grow(network, count: int) -> None:
    """``count`` more agencies, each with a sale, an accepted offer and a settlement batch."""
    for n in range(count):
        agency = make_agency(province=f"استان {n}")
        policy = sell(
            agency=agency,
            line=network.fire,
            tariff=network.tariffs[network.fire],
            customer=network.customer,
            premium=M,
            at=tehran_at(1405, 8, 12, 10),
        )
        refer(
            network,
            started=tehran_at(1405, 8, 12, 9),
            state=Referral.State.ACCEPTED,
            offers=[(agency, 1, Offer.State.ACCEPTED, 0, 90)],
        )
        batch_of(
            agency,
            jday(1405, 8, 12),
            SettlementBatch.State.OPEN,
            None,
            (policy, SettlementItem.State.PENDING, None),
        )


def rows_shown(client, url: str) -> int:
    html = client.get(url, ABAN_QUERY, HTTP_HOST=OPS).content.decode()
    return sum(len(html_table(html, table)[1]) for table in PAGES[url])


@pytest.mark.parametrize("url", list(PAGES))
def test_queries_do_not_grow_with_the_agencies(
    client, settlement, referrals, operator, url, django_assert_max_num_queries
):
    client.force_login(operator)
    client.get(url, ABAN_QUERY, HTTP_HOST=OPS)  # sessions and caches warmed
    with CaptureQueriesContext(connection) as few:
        before = rows_shown(client, url)
    grow(settlement, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        after = rows_shown(client, url)
    assert after >= before + 12  # the new agencies are on the page
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {**ABAN_QUERY, "format": "xlsx"}, HTTP_HOST=OPS)
    assert response.status_code == 200


def test_the_audit_page_costs_the_same_for_50_rows_or_5(
    client, operator, django_assert_max_num_queries
):
    from core.audit import audit_record

    agency = make_agency(code=7401)
    client.force_login(operator)
    for _n in range(5):
        audit_record(actor=operator, action="test.one", target=agency, agency_id=agency.pk)
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/", HTTP_HOST=OPS)
    for n in range(60):
        other = make_agency()
        audit_record(
            actor=None,
            action="test.many",
            target=other,
            agency_id=other.pk,
            changes={"n": (n, n + 1)},
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/audit/", HTTP_HOST=OPS)
    assert len(html_table(response.content.decode(), "audit-rows")[1]) == 50


AGENCY_SCHEMA = re.compile(r'"ar\d+"\.|search_path\s*(=|to)\s*[^;]*\bar\d+', re.IGNORECASE)


def test_no_report_query_enters_an_agency_schema(
    client, settlement, referrals, operator, agency, line, tariff, customer
):
    """``agency`` (685) has a real schema; its sale is reported from the public ledger."""
    sell(
        agency=agency,
        line=line,
        tariff=tariff,
        customer=customer,
        premium=M,
        at=tehran_at(1405, 8, 3, 9),
    )
    client.force_login(operator)
    urls = [*PAGES, "/reports/", "/audit/"]
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            for extra in ({}, {"format": "xlsx"}):
                assert client.get(url, {**ABAN_QUERY, **extra}, HTTP_HOST=OPS).status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) > 20
    assert [statement for statement in sql if AGENCY_SCHEMA.search(statement)] == []
    assert connection.schema_name == "public"
    html = client.get("/reports/sales/", ABAN_QUERY, HTTP_HOST=OPS).content.decode()
    assert agency.name in html  # the agency with a schema is in the report all the same
    assert Policy.objects.filter(agency=agency).count() == 1

"""The virtual branch's queue and the sales record at the insurer's size (decision 063):
pages after the last row shown (no count, no OFFSET, the same queries on every page), the
paid queue and its waiting count read from the partial index ``order_paid_queue`` (no join
of every order to its agency), the record's event filter from the label registry (no
DISTINCT over the record), each filter of the record read from an index in its order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policies.labels import SALES_EVENTS
from policies.models import Order, SalesEvent
from policies.selectors_issuance import issuance_queue, sales_events, virtual_branch_orders
from tests.factories import create_user
from tests.plans import plan
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order

pytestmark = pytest.mark.django_db
OPS = "ops.localhost"


@pytest.fixture
def issuing_agency(agency_factory):
    return agency_factory(code=721, name="نمایندگی صادرکننده", can_issue=True)


@pytest.fixture
def plain_agency(agency_factory):
    return agency_factory(code=722, name="نمایندگی بدون صدور", can_issue=False)


def _walk(client, url: str) -> tuple[list[str], list[int], list[str]]:
    seen, counts, sql = [], [], []
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, HTTP_HOST=OPS)
        assert response.status_code == 200
        body = response.content.decode()
        seen += re.findall(r'href="/issuance/([0-9a-f-]{36})/"', body)
        counts.append(len(captured))
        sql += [query["sql"] for query in captured.captured_queries]
        following = re.search(r'class="page-link keyset-next" href="\?([^"]+)"', body)
        url = (
            url.split("?")[0] + "?" + following.group(1).replace("&amp;", "&") if following else ""
        )
    return seen, counts, sql


def _orders(sql: list[str]) -> list[str]:
    return [query for query in sql if 'FROM "policies_order"' in query]


def test_the_paid_queue_oldest_first_a_page_at_a_time_without_count_or_offset(
    client, operator, motor_line, motor_tariff, buyer, plain_agency, issuing_agency, monkeypatch
):
    from policies import ops_views

    monkeypatch.setattr(ops_views, "QUEUE_PAGE_SIZE", 4)
    now = timezone.now()
    made = [
        paid_order(
            line=motor_line,
            tariff=motor_tariff,
            customer=buyer,
            agency=(None, plain_agency, issuing_agency)[n % 3],
            paid_at=now - dt.timedelta(hours=n // 2),  # two by two at the same time
        )
        for n in range(15)
    ]
    client.force_login(operator)
    client.get("/issuance/", HTTP_HOST=OPS)
    seen, counts, sql = _walk(client, "/issuance/?state=paid")
    queue = [o for o in made if o.agency != issuing_agency]
    expected = sorted(queue, key=lambda o: (o.paid_at, o.pk))
    assert seen == [str(o.public_id) for o in expected]
    assert len(counts) == 3 and len(set(counts)) == 1
    orders = _orders(sql)
    assert orders and not any("OFFSET" in q or "COUNT(" in q.upper() for q in orders)


def test_the_issued_and_rejected_tabs_are_pages_after_the_last_row_too(
    client, operator, motor_line, motor_tariff, buyer, monkeypatch
):
    from policies import ops_views

    monkeypatch.setattr(ops_views, "QUEUE_PAGE_SIZE", 2)
    made = [paid_order(line=motor_line, tariff=motor_tariff, customer=buyer) for _ in range(5)]
    now = timezone.now()
    for n, order in enumerate(made):
        Order.objects.filter(pk=order.pk).update(
            state="rejected", closed_at=now - dt.timedelta(minutes=n)
        )
    client.force_login(operator)
    seen, counts, sql = _walk(client, "/issuance/?state=rejected")
    assert seen == [str(o.public_id) for o in made]  # newest first
    assert len(set(counts)) == 1 and not any("OFFSET" in q for q in _orders(sql))


def test_the_queue_and_its_count_read_the_partial_index():
    assert "order_paid_queue" in plan(issuance_queue()[:51])
    count_sql = virtual_branch_orders().order_by().values("pk")
    counted = plan(count_sql)
    assert "order_paid_queue" in counted and "tenants_agency" not in counted.split("SubPlan")[0]
    assert "order_rejected_recent" in plan(virtual_branch_orders(state="rejected")[:51])


def test_the_sales_record_has_no_distinct_no_count_and_every_event_to_filter_by(client, operator):
    SalesEvent.objects.bulk_create(
        SalesEvent(event="quote_created", actor_label="system") for _ in range(3)
    )
    client.force_login(operator)
    client.get("/sales-record/", HTTP_HOST=OPS)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/sales-record/", HTTP_HOST=OPS)
    body = response.content.decode()
    record = [q["sql"] for q in captured.captured_queries if "policies_salesevent" in q["sql"]]
    assert len(record) == 1
    assert not any(word in record[0].upper() for word in ("DISTINCT", "COUNT(", "OFFSET"))
    # Events that were never recorded can be chosen too: the registry's names, not the rows.
    options = re.findall(r'<option value="([a-z_]+)"', body)
    assert set(options) == set(SALES_EVENTS.codes())


def test_each_filter_of_the_record_reads_an_index_in_its_order(agency):
    create_user()
    newest = sales_events()[:51]
    assert "policies_salesevent_created_at" in plan(newest)
    assert "sales_event_kind" in plan(sales_events(event="policy_issued")[:51])
    assert "sales_event_agency" in plan(sales_events(agency_code=agency.code)[:51])

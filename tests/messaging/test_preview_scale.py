"""The preview's sample customer at scale (issue of scale, decision 061): the newest policy in
force is found by the partial index ``crm_book_active_recent`` in its order (no sort of the
book), and the preview costs the same queries whatever the book holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import BookPolicy, Customer
from messaging.selectors import preview_customer
from tests.core.plans import plan_of_statement
from tests.crm.conftest import inside
from tests.messaging.conftest import PANEL

pytestmark = pytest.mark.django_db
PREVIEW = "/sms/templates/preview/"


def _book(agency, count: int, *, start: int = 0) -> None:
    with inside(agency):
        for n in range(start, start + count):
            customer = Customer.objects.create(first_name="مشتری", last_name=f"شماره {n}")
            BookPolicy.objects.create(
                customer=customer,
                origin="other",
                insurer_code="iran",
                line_code="third_party",
                number=f"PV-{n}",
                end_date=dt.date(2027, 1, 1),
                state="expired" if n % 3 else "active",
            )


def test_the_newest_policy_in_force_is_read_in_the_index_s_order(agency):
    _book(agency, 6)
    with inside(agency):
        newest = BookPolicy.objects.filter(state="active").order_by("-created_at", "-id").first()
        assert preview_customer() == newest.customer
        plan = plan_of_statement(
            preview_customer, reading="crm_bookpolicy", off=("seqscan", "bitmapscan", "sort")
        )
    assert "crm_book_active_recent" in plan and "Sort" not in plan, plan


def test_the_preview_costs_the_same_queries_whatever_the_book_holds(owner_client, agency):
    _book(agency, 3)
    data = {"body": "سلام {نام مشتری}", "line": "service"}
    owner_client.post(PREVIEW, data, HTTP_HOST=PANEL)
    with CaptureQueriesContext(connection) as few:
        owner_client.post(PREVIEW, data, HTTP_HOST=PANEL)
    _book(agency, 30, start=3)
    with CaptureQueriesContext(connection) as many:
        response = owner_client.post(PREVIEW, data, HTTP_HOST=PANEL)
    assert "مشتری شماره 30" in response.content.decode()  # the newest in force
    assert len(few) == len(many)

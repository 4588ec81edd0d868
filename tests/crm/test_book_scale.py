"""The book's list at scale (issue of scale, decision 061): pages after the last row shown
(keyset) that follow the list's order through equal expiries and policies without one, a
count that stops at a cap, the same queries on every page whatever the book holds, and
statements answered by the index ``crm_book_expiry_covering`` in the list's order."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import BookPolicy, Customer
from crm.selectors.book import book_count, book_list, book_page
from tests.core.plans import plan_of_statement
from tests.crm.book_fixtures import book_catalogue  # noqa: F401
from tests.crm.conftest import inside

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("book_catalogue")]
PANEL = f"panel.{settings.BASE_DOMAIN}"
# No sequential scan, no bitmap (which loses the order), no sort: a plan that still has a
# sort or misses the index says the index does not match the list's order.
ORDERED = ("seqscan", "bitmapscan", "sort")


def _fill(agency, count: int, *, start: int = 0) -> None:
    """``count`` policies: three share each expiry day, one in five has none, every other
    one is with Asia."""
    with inside(agency):
        customer = Customer.objects.create(first_name="مریم", last_name="احمدی")
        BookPolicy.objects.bulk_create(
            BookPolicy(
                customer=customer,
                origin="other",
                insurer_code="asia" if n % 2 else "iran",
                line_code="third_party",
                number=f"K-{n}",
                end_date=None if n % 5 == 4 else dt.date(2027, 1, 1) + dt.timedelta(days=n // 3),
            )
            for n in range(start, start + count)
        )


def _walk(policies, size: int) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = book_page(policies, cursor=cursor, size=size)
        ids += [policy.pk for policy in page.rows]
        assert len(page.rows) <= size
        if not page.has_next:
            return ids
        cursor = page.next_cursor


def test_the_pages_follow_the_list_s_order_through_equal_and_missing_expiries(agency):
    _fill(agency, 23)
    with inside(agency):
        for filters in ({}, {"insurer_code": "asia"}, {"query": "احمدی"}):
            whole = [policy.pk for policy in book_list(**filters)]
            assert len(whole) == (11 if filters.get("insurer_code") else 23)
            for size in (1, 2, 3, 7, 50):
                assert _walk(book_list(**filters), size) == whole, (filters, size)


def test_a_bad_cursor_starts_from_the_first_page(agency):
    _fill(agency, 5)
    with inside(agency):
        first = book_page(book_list(), cursor=None, size=2)
        forged = book_page(book_list(), cursor="2027-01-01:1", size=2)
    assert [p.pk for p in forged.rows] == [p.pk for p in first.rows] and forged.first


def test_the_count_stops_at_its_cap(agency):
    _fill(agency, 7)
    with inside(agency):
        assert book_count(book_list(), cap=5) == (5, True)
        assert book_count(book_list(), cap=7) == (7, False)
        assert book_count(book_list(insurer_code="asia"), cap=5) == (3, False)


def _get(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def _next(body: str) -> str:
    found = re.search(r'class="page-link keyset-next" href="([^"]+)"', body)
    assert found, "no next page"
    return "/book/" + html.unescape(found.group(1))


def test_every_page_costs_the_same_queries_whatever_the_book_holds(
    client, agency, owner, monkeypatch
):
    client.force_login(owner)
    _fill(agency, 3)
    client.get("/book/", HTTP_HOST=PANEL)  # the session's first visit saves the agency
    few, body = _get(client, "/book/")
    assert "۳ بیمه‌نامه" in body
    _fill(agency, 117, start=3)
    monkeypatch.setattr("crm.selectors.book.COUNT_CAP", 100)
    many, body = _get(client, "/book/")
    assert "بیش از ۱۰۰ بیمه‌نامه" in body
    second, body = _get(client, _next(body))
    third, body = _get(client, _next(body))
    assert few == many == second == third
    filtered, body = _get(client, "/book/?insurer=asia&q=احمدی")
    deeper, _body = _get(client, _next(body))
    assert filtered == deeper == many


def test_the_first_and_a_deep_page_read_the_index_in_the_list_s_order(agency):
    _fill(agency, 9)
    with inside(agency):
        first = book_page(book_list(), cursor=None, size=2)
        for cursor in (None, first.next_cursor):
            plan = plan_of_statement(
                lambda cursor=cursor: book_page(book_list(), cursor=cursor, size=2),
                reading="crm_bookpolicy",
                off=ORDERED,
            )
            assert "crm_book_expiry_covering" in plan and "Sort" not in plan, plan

"""Retention at scale (issue of scale, decision 061): the page computes only the grouping it
shows, and its rows and total are those of the whole computation (every grouping, the live
statement); the customers are joined only for the regions; the policies due are read from
the index ``crm_book_expiry_covering`` alone, for the page and the dashboard's card."""

from __future__ import annotations

import pytest

from renewals.selectors.figures import (
    GROUPS,
    REGION,
    due_and_renewed_by_line,
    months_between,
    retention,
)
from tests.core.plans import plan_of_statement, statements_of
from tests.renewals.conftest import inside
from tests.renewals.test_figures import (  # noqa: F401 - the hand-counted book
    FARVARDIN,
    FIELDS,
    ORDIBEHESHT,
    TODAY,
    book,
)

pytestmark = pytest.mark.django_db
MONTHS = months_between(FARVARDIN, ORDIBEHESHT)
# A test's book is tiny, so the planner would scan the table: scans of the whole table are
# switched off, and the covering index, when it holds every column the statement reads of
# the book, is read alone ("Index Only Scan"; the planner makes a plain index scan only when
# a column is missing). In the whole statement, merge joins that would rather walk the book
# in id order are off too.
INDEX_ONLY = ("seqscan", "bitmapscan")
INDEX_ONLY_NESTED = (*INDEX_ONLY, "mergejoin")


def _rows(rows) -> dict:
    return {row.key: (row.label, *(getattr(row, name) for name in FIELDS)) for row in rows}


def test_one_grouping_s_rows_and_total_are_the_whole_computation_s(agency, book):  # noqa: F811 - the imported fixture
    for user_id in (None, book["A"], book["B"], book["C"]):
        with inside(agency):
            whole = retention(months=MONTHS, today=TODAY, user_id=user_id)
            for group in GROUPS:
                alone = retention(months=MONTHS, today=TODAY, user_id=user_id, groups=[group])
                assert _rows(alone.groups[group]) == _rows(whole.groups[group]), (group, user_id)
                assert _rows([alone.total]) == _rows([whole.total]), (group, user_id)
                others = [g for g in GROUPS if g != group and alone.groups[g]]
                assert not others, (group, others)
    assert whole.total.due == 5  # C's own policies, as counted by hand in test_figures


def test_the_customers_are_read_only_for_the_regions(agency, book):  # noqa: F811 - the imported fixture
    with inside(agency):
        for group in GROUPS:
            sql = " ".join(
                sql
                for sql, _params in statements_of(
                    lambda group=group: retention(months=MONTHS, today=TODAY, groups=[group])
                )
            )
            assert ("crm_customer" in sql) == (group == REGION), group


def test_the_policies_due_are_read_from_the_covering_index_alone(agency, book):  # noqa: F811 - the imported fixture
    with inside(agency):
        for group in GROUPS:
            plan = plan_of_statement(
                lambda group=group: retention(months=MONTHS, today=TODAY, groups=[group]),
                reading="crm_bookpolicy",
                off=INDEX_ONLY_NESTED,
            )
            assert "Index Only Scan using crm_book_expiry_covering on crm_bookpolicy b" in plan, (
                plan
            )
        plan = plan_of_statement(
            lambda: due_and_renewed_by_line(months=MONTHS),
            reading="crm_bookpolicy",
            off=INDEX_ONLY,
        )
    assert "Index Only Scan using crm_book_expiry_covering" in plan, plan
    assert "Seq Scan" not in plan and "Bitmap" not in plan, plan

"""The ops queue of agency applications at the insurer's size (decision 063): pages after
the last row shown, in each filter's order (no OFFSET, the same queries on every page), each
filter read from an index in that order, and the search by the start of words through a GIN
index (Arabic ي/ك, Persian digits)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onboarding.models import AgencyApplication
from onboarding.selectors import applications_for_ops
from tests.factories import create_user
from tests.plans import plan

pytestmark = pytest.mark.django_db
OPS = "ops.localhost"
STATES = ["draft", "submitted", "correction_requested", "resubmitted", "approved", "rejected"]


def _many(count: int) -> list[AgencyApplication]:
    now = timezone.now()
    rows = []
    for n in range(count):
        state = STATES[n % len(STATES)]
        rows.append(
            AgencyApplication(
                applicant=create_user(),
                state=state,
                first_name="مریم",
                last_name=f"متقاضی{n}",
                national_code=f"{n:010d}",
                mobile=f"0938{n:07d}",
                province="تهران",
                city="تهران",
                address="خیابان ولیعصر",
                latitude=Decimal("35.7"),
                longitude=Decimal("51.4"),
                terms_version="1405-01",
                terms_accepted_at=now,
                kind="agent",
                line_codes=["third_party"],
                licence_number=f"L{n:07d}",
                # Some submitted at the same moment: the id breaks the tie.
                submitted_at=None if state == "draft" else now - dt.timedelta(minutes=n // 2),
            )
        )
    return AgencyApplication.objects.bulk_create(rows)


def _walk(client: Client, url: str) -> tuple[list[int], list[int], list[str]]:
    seen, counts, sql = [], [], []
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, HTTP_HOST=OPS)
        assert response.status_code == 200
        body = response.content.decode()
        seen += [int(pk) for pk in re.findall(r'id="application-(\d+)"', body)]
        counts.append(len(captured))
        sql += [query["sql"] for query in captured.captured_queries]
        following = re.search(r'class="page-link keyset-next" href="\?([^"]+)"', body)
        url = (
            "/agency-applications/?" + following.group(1).replace("&amp;", "&") if following else ""
        )
    return seen, counts, sql


@pytest.mark.parametrize(
    ("state", "wanted", "oldest_first"),
    [
        ("waiting", {"submitted", "resubmitted"}, True),
        ("", set(STATES), False),
        ("approved", {"approved"}, False),
    ],
)
def test_every_application_once_in_the_queue_order_a_page_at_a_time(
    operator, monkeypatch, state, wanted, oldest_first
):
    from onboarding import ops_views

    monkeypatch.setattr(ops_views, "PAGE_SIZE", 7)
    made = _many(90)
    client = Client()
    client.force_login(operator)
    client.get("/agency-applications/", HTTP_HOST=OPS)
    seen, counts, sql = _walk(client, f"/agency-applications/?state={state}")
    rows = [a for a in made if a.state in wanted]
    expected = sorted(rows, key=lambda a: (a.submitted_at or a.created_at, a.pk))
    if not oldest_first:
        expected.reverse()
    assert seen == [a.pk for a in expected]
    assert len(counts) > 2 and len(set(counts)) == 1
    assert not any("OFFSET" in query for query in sql)


def test_the_search_finds_the_start_of_words_whatever_the_spelling(operator):
    made = _many(30)
    # Arabic ي and ك typed, Persian stored; Persian digits typed, Latin stored.
    found = applications_for_ops(state="", query="مريم متقاضي۱۷")
    assert [a.pk for a in found] == [made[17].pk]
    assert list(applications_for_ops(state="", query="۰۰۰۰۰۰۰۰۲۳")) == [made[23]]
    assert list(applications_for_ops(state="", query="L00000")) != []
    AgencyApplication.objects.filter(pk=made[5].pk).update(agency_name="بيمه كيان")
    assert [a.pk for a in applications_for_ops(state="", query="کیان")] == [made[5].pk]


def test_each_filter_reads_an_index_in_its_order():
    _many(12)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE onboarding_agencyapplication")
    assert "application_waiting" in plan(applications_for_ops(state="waiting")[:51])
    assert "application_queue" in plan(applications_for_ops(state="approved")[:51])
    assert "application_all" in plan(applications_for_ops(state="")[:51])
    search = plan(applications_for_ops(state="", query="مریم").order_by(), bitmap=True)
    assert "application_search_words" in search

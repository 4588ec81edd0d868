"""The ops claims queue at the insurer's size (decision 063): pages after the last row shown
(no count, no OFFSET, the same queries on page 1 and page 3), the number found whole through
its unique index, names by the start of their words through a GIN index (Arabic ي/ك and
Persian digits alike), each filter served by an index in its order."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Claim
from claims.selectors import claims_queue
from tests.claims.conftest import OPS, file_claim
from tests.plans import plan

pytestmark = pytest.mark.django_db


def _many(policy, count: int) -> list[Claim]:
    """``count`` claims like one filed through the service, a minute apart, oldest first."""
    model = file_claim(policy, days_ago=2)
    now = timezone.now()
    rows = []
    for n in range(count):
        clone = Claim.objects.get(pk=model.pk)
        clone.pk = None
        clone.public_id = uuid.uuid4()
        clone.number = f"B{n:09d}"
        clone.insured_name = f"بیمه‌شده {n}"
        rows.append(clone)
    made = Claim.objects.bulk_create(rows)
    for n, claim in enumerate(made):
        Claim.objects.filter(pk=claim.pk).update(
            filed_at=now - timezone.timedelta(minutes=count - n)
        )
    Claim.objects.filter(pk=model.pk).delete()
    return made


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_HOST=OPS)
    assert response.status_code == 200, url
    return response, [query["sql"] for query in captured.captured_queries]


def _next(body: str) -> str | None:
    found = re.search(r'class="page-link keyset-next" href="\?([^"]+)"', body)
    return found.group(1).replace("&amp;", "&") if found else None


def test_every_claim_once_oldest_first_a_page_at_a_time_with_the_same_queries(
    client, policy, operator
):
    made = _many(policy, 120)
    client.force_login(operator)
    client.get("/claims/", HTTP_HOST=OPS)  # the first request after a login writes the session
    url, seen, counts = "/claims/", [], []
    while url:
        response, queries = _get(client, url)
        body = response.content.decode()
        seen += re.findall(r'data-claim="([0-9a-f-]+)"', body)
        counts.append(len(queries))
        assert not any(
            "OFFSET" in sql or "COUNT(" in sql.upper() for sql in queries if "claims_claim" in sql
        ), queries
        following = _next(body)
        url = f"/claims/?{following}" if following else None
    assert seen == [str(claim.public_id) for claim in made]
    assert len(counts) == 3 and len(set(counts)) == 1


def test_a_forged_cursor_starts_from_the_first_page(client, policy, operator):
    made = _many(policy, 3)
    client.force_login(operator)
    response, _queries = _get(client, "/claims/?after=forged")
    assert str(made[0].public_id) in response.content.decode()


def test_the_number_is_found_whole_and_names_by_the_start_of_their_words(client, policy, operator):
    made = _many(policy, 30)
    client.force_login(operator)
    # Typed in lower case with Persian digits: the number, through its unique index.
    response, _queries = _get(client, "/claims/?q=b۰۰۰۰۰۰۰۱۷")
    found = re.findall(r'data-claim="([0-9a-f-]+)"', response.content.decode())
    assert found == [str(made[17].public_id)]
    # Stored with Persian ی, typed with Arabic ي and a space for the half-space, digits Persian.
    response, _queries = _get(client, "/claims/?q=بيمه+شده+۲۳")
    found = re.findall(r'data-claim="([0-9a-f-]+)"', response.content.decode())
    assert found == [str(made[23].public_id)]
    # The start of a word: "2" finds 2 and 20–29.
    assert claims_queue(query="بیمه‌شده ۲").count() == 11


def test_arabic_kaf_and_yeh_in_the_store_are_found_with_persian_letters(policy):
    claim = file_claim(policy)
    Claim.objects.filter(pk=claim.pk).update(insured_name="كاظم يزدي")
    assert list(claims_queue(query="کاظم یزد")) == [claim]
    assert list(claims_queue(query="یزدی کاظ")) == [claim]
    assert not claims_queue(query="ظم").exists()  # the middle of a word is not a start


def test_each_filter_reads_an_index_in_the_queue_order(policy):
    from policies.models import Line

    made = _many(policy, 300)
    # Lines and states mixed, so that each index is the one that fits its filter.
    fire = Line.objects.create(code="fire_plan", number_code=98, name="آتش‌سوزی")
    Claim.objects.filter(pk__in=[c.pk for c in made[::2]]).update(line=fire)
    Claim.objects.filter(pk__in=[c.pk for c in made[::3]]).update(state="assessed")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    cursor_after = claims_queue().filter(filed_at__gt=timezone.now())
    assert "claims_queue_all" in plan(claims_queue()[:51])
    assert "claims_queue" in plan(claims_queue(state="filed")[:51])
    line = plan(claims_queue(state="filed", line_code="third_party")[:51])
    assert "claims_line_" in line and "Sort" not in line
    assert "claims_line_all" in plan(claims_queue(line_code="third_party")[:51])
    # Matches are few: found through the indexes, then put in order.
    search = claims_queue(query="بیمه‌شده ۲۳۴").order_by()
    assert "claims_search_words" in plan(search, bitmap=True)
    by_number = plan(claims_queue(query="B000000017").order_by(), bitmap=True)
    assert "claims_claim_number" in by_number and "claims_search_words" in by_number
    assert "Seq Scan" not in plan(cursor_after[:51])

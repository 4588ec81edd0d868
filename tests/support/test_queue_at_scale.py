"""The ops support queue at the insurer's size (decision 063): the queues' waiting badges
read from counts that triggers keep exact (they equal the live count after every kind of
write), pages after the last row shown in the queue's order (no count, no OFFSET, the same
queries on every page), each filter read from an index in that order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from support import selectors, services
from support.models import Category, Ticket
from support.selectors import QueueFilter
from support.services import Party
from tests.plans import plan

pytestmark = pytest.mark.django_db
OPS = "ops.localhost"


def _live() -> dict[int, int]:
    rows = (
        Ticket.objects.filter(state__in=Ticket.WITH_INSURER)
        .values("category_id")
        .annotate(n=Count("id"))
    )
    return {row["category_id"]: row["n"] for row in rows}


def _kept() -> dict[int, int]:
    return {category: n for category, n in selectors.queue_counts().items() if n}


def _open(people, category, count: int) -> list[Ticket]:
    return [
        services.ticket_open(
            party=Party.customer(people.customer),
            category=category,
            subject=f"موضوع {n}",
            body="متن",
        )
        for n in range(count)
    ]


def test_the_waiting_counts_equal_the_live_counts_after_every_kind_of_write(people, category):
    other = Category.objects.exclude(pk=category.pk).order_by("id").first()
    made = _open(people, category, 5) + _open(people, other, 2)
    assert _kept() == _live() == {category.pk: 5, other.pk: 2}
    services.staff_answer(actor=people.operator, ticket=made[0], body="پاسخ")  # out of the queue
    services.staff_close(actor=people.operator, ticket=made[1])
    services.ticket_assign(actor=people.manager, ticket=made[2], assignee=people.operator)
    assert _kept() == _live() == {category.pk: 3, other.pk: 2}
    Ticket.objects.filter(pk=made[3].pk).update(category=other)  # moved between queues
    Ticket.objects.filter(pk=made[5].pk).update(state="waiting")  # a bulk update
    Ticket.objects.filter(pk=made[0].pk).update(state="open")  # back in
    assert _kept() == _live() == {category.pk: 3, other.pk: 2}
    Ticket.objects.filter(pk__in=[made[4].pk, made[6].pk]).delete()
    assert _kept() == _live() == {category.pk: 2, other.pk: 1}
    assert selectors.waiting_count() == 3


def test_the_badges_and_the_queue_cost_no_count_of_the_tickets(client, people, category):
    _open(people, category, 3)
    client.force_login(people.operator)
    client.get("/support/", HTTP_HOST=OPS)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/support/", HTTP_HOST=OPS)
    assert response.status_code == 200
    ticket_reads = [q["sql"] for q in captured.captured_queries if '"support_ticket"' in q["sql"]]
    assert ticket_reads and not any("COUNT(" in sql.upper() for sql in ticket_reads)
    assert not any("OFFSET" in sql for sql in ticket_reads)


def _many(people, category, count: int) -> list[Ticket]:
    """``count`` tickets with the queue's keys mixed: urgent or not, due at different times,
    some due at the same time, some with nothing due."""
    model = _open(people, category, 1)[0]
    now = timezone.now()
    rows = []
    for n in range(count):
        ticket = Ticket.objects.get(pk=model.pk)
        ticket.pk = None
        ticket.priority = n % 3 == 0
        ticket.due_at = None if n % 7 == 0 else now + dt.timedelta(minutes=(n * 37) % 50)
        ticket.state = "new" if n % 5 else "answered"
        rows.append(ticket)
    Ticket.objects.filter(pk=model.pk).delete()
    return Ticket.objects.bulk_create(rows)


def test_every_ticket_once_in_the_queue_order_a_page_at_a_time(client, people, category):
    made = _many(people, category, 130)
    client.force_login(people.operator)
    client.get("/support/?state=all", HTTP_HOST=OPS)
    expected = sorted(
        made,
        key=lambda t: (-t.priority, t.due_at or dt.datetime.max.replace(tzinfo=dt.UTC), -t.pk),
    )
    url, seen, counts = "/support/?state=all", [], []
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, HTTP_HOST=OPS)
        body = response.content.decode()
        seen += [int(pk) for pk in re.findall(r'data-ticket="(\d+)"', body)]
        counts.append(len(captured))
        following = re.search(r'class="page-link keyset-next" href="\?([^"]+)"', body)
        url = "/support/?" + following.group(1).replace("&amp;", "&") if following else None
    assert seen == [ticket.pk for ticket in expected]
    assert len(counts) == 3 and len(set(counts)) == 1


def test_each_queue_reads_its_index_from_the_cursor_on(people, category):
    categories = list(Category.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO support_ticket (side, customer_id, opened_by_id, category_id, subject,
                                        state, priority, due_at, created_at, updated_at)
            SELECT 'customer', %s, %s, (%s::bigint[])[1 + n %% %s], 'موضوع ' || n,
                   (ARRAY['new', 'open', 'answered', 'closed'])[1 + n %% 4], n %% 2,
                   now() + (n || ' minutes')::interval, now(), now()
            FROM generate_series(1, 20000) AS n
            """,
            [people.customer.pk, people.customer.pk, categories, len(categories)],
        )
        cursor.execute("ANALYZE support_ticket")

    def queue(**filters):
        return selectors.ops_queue(user=people.operator, filters=QueueFilter(**filters))

    after = {"queue_priority__gte": -1}  # any bound on the keys: served by the index
    assert "support_waiting_all" in plan(queue().filter(**after)[:51])
    assert "support_waiting_order" in plan(queue(category=category).filter(**after)[:51])
    assert "support_state_order" in plan(queue(state="answered").filter(**after)[:51])
    assert "support_category_state_order" in plan(
        queue(category=category, state="answered").filter(**after)[:51]
    )
    late = plan(queue(category=category, late=True)[:51])
    assert "support_waiting_order" in late and "Sort" not in late

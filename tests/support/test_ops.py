"""The insurer's side: queues by category with filters and a constant number of queries,
the ticket page, answers told once by SMS and e-mail, and late tickets escalated once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditLog, SmsMessage
from support import services
from support.models import Category, Ticket
from support.services import Party
from support.tasks import support_tickets_sweep

pytestmark = pytest.mark.django_db
OPS, MAIN, PANEL = "ops.localhost", "localhost", "panel.localhost"


def _tickets(people, category, count: int, *, agency=None) -> list[Ticket]:
    made = []
    for n in range(count):
        party = (
            Party.of_agency(agency=agency, user=people.owner)
            if agency and n % 2
            else Party.customer(people.customer)
        )
        made.append(
            services.ticket_open(party=party, category=category, subject=f"موضوع {n}", body="متن")
        )
    return made


def _queries(client, path: str, host: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, path
    return len(queries), response.content.decode()


def test_the_queue_costs_the_same_queries_for_few_and_many_tickets(
    client, people, category, agency
):
    client.force_login(people.operator)
    _tickets(people, category, 2, agency=agency)
    few, _page = _queries(client, "/support/", OPS)
    more = _tickets(people, category, 12, agency=agency)
    for ticket in more[:6]:
        services.ticket_assign(actor=people.manager, ticket=ticket, assignee=people.operator)
    many, page = _queries(client, "/support/", OPS)
    assert many == few
    assert many <= 12
    assert page.count("data-ticket=") == 14
    # Filtered: the queue of the category, assigned to me.
    mine, page = _queries(client, f"/support/?category={category.pk}&mine=on", OPS)
    assert page.count("data-ticket=") == 6 and mine == few + 1  # the chosen queue


def test_filters_late_state_and_queue(client, people, category, agency):
    other = Category.objects.get(code="technical")
    late, on_time = _tickets(people, category, 2)
    technical = services.ticket_open(
        party=Party.customer(people.customer), category=other, subject="خطای سایت", body="متن"
    )
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    services.staff_answer(actor=people.operator, ticket=on_time, body="پاسخ")
    client.force_login(people.manager)
    rows = lambda query: {  # noqa: E731
        int(value)
        for value in __import__("re").findall(
            r'data-ticket="(\d+)"', client.get(f"/support/{query}", HTTP_HOST=OPS).content.decode()
        )
    }
    assert rows("") == {late.pk, technical.pk}
    assert rows("?late=on") == {late.pk}
    assert rows(f"?category={other.pk}") == {technical.pk}
    assert rows("?state=answered") == {on_time.pk}
    assert rows("?state=all") == {late.pk, on_time.pk, technical.pk}
    assert rows("?state=nonsense") == {late.pk, technical.pk}


def test_the_ticket_page_costs_the_same_queries_for_a_short_and_a_long_thread(
    client, people, customer_ticket
):
    client.force_login(people.operator)
    short, _page = _queries(client, f"/support/{customer_ticket.pk}/", OPS)
    for n in range(8):
        services.staff_note(actor=people.operator, ticket=customer_ticket, body=f"یادداشت {n}")
        services.ticket_reply(
            party=Party.customer(people.customer), ticket=customer_ticket, body=f"پیام {n}"
        )
    long, page = _queries(client, f"/support/{customer_ticket.pk}/", OPS)
    assert long == short and page.count("data-message=") == 17


def test_side_pages_and_account_section_cost_fixed_queries(client, people, category, agency):
    client.force_login(people.customer)
    _tickets(people, category, 1)
    list_few, _ = _queries(client, "/support/", MAIN)
    account_few, _ = _queries(client, "/account/", MAIN)
    _tickets(people, category, 9)
    list_many, page = _queries(client, "/support/", MAIN)
    account_many, account = _queries(client, "/account/", MAIN)
    assert list_many == list_few and account_many == account_few
    assert page.count("data-ticket=") == 10
    section = account.split('id="my-tickets"')[-1]
    assert section.count("data-ticket=") == 5 and 'id="my-tickets-all"' in section
    client.force_login(people.owner)
    _tickets(people, category, 2, agency=agency)
    client.get("/support/", HTTP_HOST=PANEL)  # the first panel request writes the session
    few, _ = _queries(client, "/support/", PANEL)
    _tickets(people, category, 12, agency=agency)
    many, _ = _queries(client, "/support/", PANEL)
    assert many == few


def test_an_answer_is_told_once_by_sms_and_email(
    people, customer_ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.staff_answer(
            actor=people.operator, ticket=customer_ticket, body="مبلغ برگشت داده شد"
        )
    sms = SmsMessage.objects.get(kind="support_answer")
    assert sms.to == people.customer.mobile
    assert (
        f"تیکت پشتیبانی {customer_ticket.pk}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        in sms.body
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maryam@example.com"]
    assert "مبلغ برگشت داده شد" in mail.outbox[0].body
    # The task again (a redelivery), and the beat's resume: nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.answer_notify(message_id=message.pk) is False
        assert services.answer_notices_resume(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert SmsMessage.objects.filter(kind="support_answer").count() == 1
    assert len(mail.outbox) == 1
    # An internal note tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        services.staff_note(actor=people.operator, ticket=customer_ticket, body="داخلی")
    assert SmsMessage.objects.filter(kind="support_answer").count() == 1


def test_a_notice_the_broker_never_took_is_sent_by_the_sweep(people, agency_ticket):
    """Answered while the broker was down (the task never ran): the sweep sends it, once."""
    message = services.staff_answer(actor=people.operator, ticket=agency_ticket, body="پاسخ")
    assert SmsMessage.objects.filter(kind="support_answer").count() == 0
    later = timezone.now() + dt.timedelta(minutes=5)
    assert services.answer_notices_resume(now=later) == 1
    assert services.answer_notices_resume(now=later) == 0
    sms = SmsMessage.objects.get(kind="support_answer")
    assert sms.to == people.member.mobile  # the agency's member who opened it
    message.refresh_from_db()
    assert message.notified_at is not None


def test_a_late_ticket_is_escalated_once_however_often_the_task_runs(
    people, category, customer_ticket, agency_ticket, django_capture_on_commit_callbacks
):
    services.ticket_assign(actor=people.manager, ticket=customer_ticket, assignee=people.operator)
    past = timezone.now() - dt.timedelta(minutes=1)
    Ticket.objects.filter(pk=customer_ticket.pk).update(due_at=past)
    # Answered: nothing is owed, whatever its old due time said.
    services.staff_answer(actor=people.operator, ticket=agency_ticket, body="پاسخ")
    Ticket.objects.filter(pk=agency_ticket.pk).update(due_at=past)
    sms_before = SmsMessage.objects.filter(kind="support_escalation").count()

    with django_capture_on_commit_callbacks(execute=True):
        assert support_tickets_sweep()["escalated"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert support_tickets_sweep()["escalated"] == 0
        assert services.tickets_escalate_due() == 0

    customer_ticket.refresh_from_db()
    assert customer_ticket.escalated_at is not None
    assert customer_ticket.priority == Ticket.Priority.URGENT
    assert customer_ticket.escalated_to == people.manager
    assert customer_ticket.state == "open"
    rows = AuditLog.objects.filter(action="support_ticket.escalated")
    assert [(row.target_id, row.actor_label) for row in rows] == [
        (str(customer_ticket.pk), "support")
    ]
    sms = SmsMessage.objects.filter(kind="support_escalation")
    assert sms.count() == sms_before + 1 and sms.get().to == people.operator.mobile
    assert [message.to for message in mail.outbox] == [["manager@example.com"]]
    agency_ticket.refresh_from_db()
    assert agency_ticket.escalated_at is None


def test_an_unassigned_late_ticket_texts_the_queue_manager_and_a_reply_restarts_the_clock(
    people, customer_ticket
):
    Ticket.objects.filter(pk=customer_ticket.pk).update(
        due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert services.tickets_escalate_due() == 1
    assert SmsMessage.objects.get(kind="support_escalation").to == people.manager.mobile
    services.staff_answer(actor=people.manager, ticket=customer_ticket, body="پاسخ")
    services.ticket_reply(party=Party.customer(people.customer), ticket=customer_ticket, body="باز")
    customer_ticket.refresh_from_db()
    assert customer_ticket.escalated_at is None and customer_ticket.due_at > timezone.now()


def test_ops_actions_through_the_pages(client, people, customer_ticket):
    client.force_login(people.operator)
    base = f"/support/{customer_ticket.pk}"
    assert (
        client.post(f"{base}/assign/", {"assignee": people.operator.pk}, HTTP_HOST=OPS).status_code
        == 302
    )
    assert client.post(f"{base}/note/", {"body": "بررسی با بانک"}, HTTP_HOST=OPS).status_code == 302
    assert (
        client.post(
            f"{base}/answer/", {"body": "لطفاً رسید را بفرستید", "ask": "on"}, HTTP_HOST=OPS
        ).status_code
        == 302
    )
    customer_ticket.refresh_from_db()
    assert customer_ticket.state == "waiting" and customer_ticket.assignee == people.operator
    assert customer_ticket.messages.filter(internal=True).count() == 1
    assert client.post(f"{base}/close/", HTTP_HOST=OPS).status_code == 302
    customer_ticket.refresh_from_db()
    assert customer_ticket.state == "closed"
    # A refused move is a Persian message on the page, and changes nothing.
    response = client.post(f"{base}/answer/", {"body": "دیر"}, HTTP_HOST=OPS, follow=True)
    assert "این تیکت از وضعیت فعلی به آن وضعیت نمی‌رود" in response.content.decode()
    assert customer_ticket.messages.count() == 3
    home = client.get("/", HTTP_HOST=OPS).content.decode()
    assert 'id="ops-card-support"' in home


def test_the_queue_at_insurer_size_stays_one_page_and_a_fixed_number_of_queries(
    client, people, category
):
    """100,000 tickets (inserted in one statement): the queue's first and a far page cost the
    same queries as a small queue, and show one page of 50."""
    client.force_login(people.operator)
    _tickets(people, category, 3)
    small, _ = _queries(client, "/support/", OPS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Ticket._meta.db_table}
                (side, customer_id, opened_by_id, category_id, subject, state, priority,
                 due_at, created_at, updated_at)
            SELECT 'customer', %s, %s, %s, 'موضوع ' || n,
                   CASE WHEN n %% 3 = 0 THEN 'answered' ELSE 'new' END, 0,
                   CASE WHEN n %% 3 = 0 THEN NULL ELSE now() + ((n - 50000) || ' minutes')::interval END,
                   now() - (n || ' seconds')::interval, now()
            FROM generate_series(1, 100000) AS n
            """,  # noqa: S608 - the table's name only
            [people.customer.pk, people.customer.pk, category.pk],
        )
    big, page = _queries(client, "/support/", OPS)
    far, far_page = _queries(client, "/support/?page=1000", OPS)
    assert big == small and far == small
    assert page.count("data-ticket=") == 50 and far_page.count("data-ticket=") == 50
    late, late_page = _queries(client, f"/support/?category={category.pk}&late=on&page=3", OPS)
    assert late == small + 1  # the chosen queue
    assert late_page.count('data-late="1"') == 50

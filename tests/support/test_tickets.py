"""Tickets from the customer's and the agency's side: opening with a checked file, replying,
closing, the moves a state may make, and bad input refused in Persian with nothing kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AuditLog
from support import services
from support.models import Attachment, Message, Ticket
from support.services import ALLOWED_MOVES, MoveNotAllowed, Party
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_set_status
from tests.support.conftest import png_upload

pytestmark = pytest.mark.django_db
MAIN, PANEL = "localhost", "panel.localhost"


def test_a_customer_opens_a_ticket_on_the_storefront(client, people, category):
    client.force_login(people.customer)
    response = client.post(
        "/support/new/",
        {
            "category": category.pk,
            "subject": "پرداخت ناموفق ولي كسر شد",  # Arabic ي and ك
            "body": "سلام\nمبلغ ۱۲۰۰۰۰ كسر شد.",
            "file": png_upload(),
        },
        HTTP_HOST=MAIN,
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/support/{ticket.pk}/"
    assert ticket.subject == "پرداخت ناموفق ولی کسر شد"
    assert (ticket.side, ticket.customer, ticket.agency, ticket.state) == (
        "customer",
        people.customer,
        None,
        "new",
    )
    assert ticket.due_at is not None and ticket.due_at > ticket.created_at
    message = ticket.messages.get()
    assert message.body == "سلام\nمبلغ ۱۲۰۰۰۰ کسر شد." and message.author_side == "customer"
    attachment = ticket.attachments.get()
    assert attachment.message == message and attachment.content_type == "image/png"
    assert attachment.file.name.startswith("support/")
    assert (
        AuditLog.objects.filter(action="support_ticket.opened", target_id=str(ticket.pk)).count()
        == 1
    )
    page = client.get(f"/support/{ticket.pk}/", HTTP_HOST=MAIN).content.decode()
    assert "پرداخت ناموفق ولی کسر شد" in page and 'data-state="new"' in page
    assert f"/support/{ticket.pk}/files/{attachment.pk}/" in page


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"subject": "", "body": "متن"}, "subject", "این فیلد الزامی است."),
        ({"subject": "موضوع", "body": "  \u200c "}, "body", "این فیلد الزامی است."),
        (
            {"subject": "موضوع", "body": "متن", "file": SimpleUploadedFile("x.png", b"<html>")},
            "file",
            "فقط فایل‌های JPG، PNG یا PDF پذیرفته می‌شوند",
        ),
    ],
)
def test_bad_input_is_refused_in_persian_and_nothing_is_kept(
    client, people, category, data, field, message
):
    client.force_login(people.customer)
    response = client.post("/support/new/", {"category": category.pk, **data}, HTTP_HOST=MAIN)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_a_file_too_large_is_refused_by_the_service(people, category, settings):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError) as refused:
        services.ticket_open(
            party=Party.customer(people.customer),
            category=category,
            subject="موضوع",
            body="متن",
            files=[big],
        )
    assert (
        "۵" in refused.value.message_dict["files"][0]
        or "5" in refused.value.message_dict["files"][0]
    )
    assert Ticket.objects.count() == 0


def test_reply_after_an_answer_goes_back_to_the_insurer_with_a_new_due_time(
    people, customer_ticket
):
    services.staff_answer(actor=people.operator, ticket=customer_ticket, body="پاسخ")
    customer_ticket.refresh_from_db()
    assert customer_ticket.state == "answered" and customer_ticket.due_at is None
    assert customer_ticket.assignee == people.operator
    before = timezone.now()
    services.ticket_reply(
        party=Party.customer(people.customer), ticket=customer_ticket, body="هنوز حل نشده"
    )
    customer_ticket.refresh_from_db()
    assert customer_ticket.state == "open" and customer_ticket.due_at > before
    assert AuditLog.objects.filter(action="support_ticket.reopened").count() == 1


def test_a_reply_reopens_a_closed_ticket_but_staff_cannot_answer_it(people, customer_ticket):
    party = Party.customer(people.customer)
    services.ticket_close(party=party, ticket=customer_ticket)
    customer_ticket.refresh_from_db()
    assert customer_ticket.state == "closed" and customer_ticket.closed_at is not None
    with pytest.raises(MoveNotAllowed):
        services.staff_answer(actor=people.operator, ticket=customer_ticket, body="دیر")
    assert customer_ticket.messages.count() == 1
    services.ticket_reply(party=party, ticket=customer_ticket, body="دوباره")
    customer_ticket.refresh_from_db()
    assert customer_ticket.state == "open" and customer_ticket.closed_at is None


def test_only_the_moves_of_the_table_are_made(people, customer_ticket):
    states = Ticket.State.values
    now = timezone.now()
    for old in states:
        for new in states:
            ticket = Ticket.objects.get(pk=customer_ticket.pk)
            ticket.state = old
            if (old, new) in ALLOWED_MOVES:
                services._move(ticket, new, now=now)
                assert ticket.state == new
                assert (ticket.due_at is not None) == (new in Ticket.WITH_INSURER)
            else:
                with pytest.raises(MoveNotAllowed):
                    services._move(ticket, new, now=now)
                assert ticket.state == old


def test_assignment_opens_a_new_ticket_and_only_branch_staff_take_tickets(people, customer_ticket):
    with pytest.raises(ValidationError):
        services.ticket_assign(
            actor=people.operator, ticket=customer_ticket, assignee=people.marketing
        )
    with pytest.raises(PermissionDenied):
        services.ticket_assign(
            actor=people.marketing, ticket=customer_ticket, assignee=people.operator
        )
    services.ticket_assign(actor=people.manager, ticket=customer_ticket, assignee=people.operator)
    customer_ticket.refresh_from_db()
    assert (customer_ticket.state, customer_ticket.assignee) == ("open", people.operator)
    row = AuditLog.objects.get(action="support_ticket.assigned")
    assert row.actor == people.manager
    assert row.changes == {"assignee": [None, people.operator.pk], "state": ["new", "open"]}


def test_a_stranger_cannot_write_on_a_ticket_even_through_the_service(people, customer_ticket):
    with pytest.raises(PermissionDenied):
        services.ticket_reply(
            party=Party.customer(people.stranger), ticket=customer_ticket, body="سلام"
        )
    assert customer_ticket.messages.count() == 1


def test_an_agency_ticket_is_shared_by_its_members(client, people, agency_ticket):
    client.force_login(people.owner)
    page = client.get("/support/", HTTP_HOST=PANEL).content.decode()
    assert "کارمزد ماه گذشته" in page
    response = client.post(
        f"/support/{agency_ticket.pk}/", {"body": "پیگیری مدیر نمایندگی"}, HTTP_HOST=PANEL
    )
    assert response.status_code == 302
    assert agency_ticket.messages.last().author == people.owner
    assert agency_ticket.messages.last().author_side == "agency"


def test_a_suspended_agency_cannot_open_or_reply(people, category, agency, agency_ticket):
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None, reason="بازرسی")
    party = Party.of_agency(agency=agency, user=people.owner)
    with pytest.raises(AgencyNotActive):
        services.ticket_open(party=party, category=category, subject="موضوع", body="متن")
    with pytest.raises(AgencyNotActive):
        services.ticket_reply(party=party, ticket=agency_ticket, body="متن")
    with pytest.raises(AgencyNotActive):
        services.ticket_close(party=party, ticket=agency_ticket)
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    assert Ticket.objects.get().state == "new"


def test_a_ticket_holds_a_bounded_number_of_files(people, customer_ticket):
    party = Party.customer(people.customer)
    for _n in range(services.MAX_ATTACHMENTS - 1):
        services.ticket_attach(party=party, ticket=customer_ticket, uploaded=png_upload())
    with pytest.raises(ValidationError):
        services.ticket_attach(party=party, ticket=customer_ticket, uploaded=png_upload())
    assert customer_ticket.attachments.count() == services.MAX_ATTACHMENTS


def test_the_due_time_follows_the_category(people, category):
    category.sla_hours = 2
    category.save()
    ticket = services.ticket_open(
        party=Party.customer(people.customer), category=category, subject="س", body="م"
    )
    assert ticket.due_at - ticket.created_at >= dt.timedelta(hours=2) - dt.timedelta(seconds=1)

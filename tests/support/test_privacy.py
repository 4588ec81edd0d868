"""Each side sees its own tickets only: swapped ticket and file ids answer 404 on the pages
and in the API, agency B never reaches agency A's tickets, and the insurer's internal notes
never reach a customer or an agency, in HTML or in JSON."""

from __future__ import annotations

import json

import pytest

from support.models import Ticket

pytestmark = pytest.mark.django_db
MAIN, AGENCY_SITE, PANEL, OPS = "localhost", "ar685.localhost", "panel.localhost", "ops.localhost"


def _paths(ticket: Ticket, prefix: str = "") -> list[tuple[str, str]]:
    attachment = ticket.attachments.first()
    return [
        ("get", f"{prefix}/support/{ticket.pk}/"),
        ("post", f"{prefix}/support/{ticket.pk}/"),
        ("post", f"{prefix}/support/{ticket.pk}/close/"),
        ("get", f"{prefix}/support/{ticket.pk}/files/{attachment.pk}/"),
    ]


def _api(ticket: Ticket, side: str) -> list[tuple[str, str]]:
    base = "/api/support/agency/tickets" if side == "agency" else "/api/support/tickets"
    return [
        ("get", f"{base}/{ticket.pk}/"),
        ("post", f"{base}/{ticket.pk}/replies/"),
        ("post", f"{base}/{ticket.pk}/close/"),
        ("post", f"{base}/{ticket.pk}/files/"),
    ]


def _unchanged(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (ticket.state, ticket.messages.count(), ticket.attachments.count())


@pytest.mark.parametrize("host", [MAIN, AGENCY_SITE])
def test_another_customer_gets_404_for_every_page_and_operation_of_a_ticket(
    client, people, customer_ticket, host
):
    before = _unchanged(customer_ticket)
    client.force_login(people.stranger)
    for method, path in _paths(customer_ticket) + _api(customer_ticket, "customer"):
        data = {"body": "سلام"} if method == "post" else None
        kwargs = {"content_type": "application/json"} if path.startswith("/api/") else {}
        if path.startswith("/api/") and data:
            data = json.dumps(data)
        response = getattr(client, method)(path, data, HTTP_HOST=host, **kwargs)
        assert response.status_code == 404, f"{method} {host}{path}: {response.status_code}"
    assert _unchanged(customer_ticket) == before
    assert "پرداخت دوبار" not in client.get("/support/", HTTP_HOST=host).content.decode()
    listed = client.get("/api/support/tickets/", HTTP_HOST=host).json()
    assert listed["count"] == 0


def test_a_swapped_file_id_under_ones_own_ticket_is_404(client, people, category, customer_ticket):
    from support.services import Party, ticket_open
    from tests.support.conftest import png_upload

    own = ticket_open(
        party=Party.customer(people.stranger),
        category=category,
        subject="مال خودم",
        body="متن",
        files=[png_upload()],
    )
    client.force_login(people.stranger)
    others_file = customer_ticket.attachments.get()
    assert (
        client.get(
            f"/support/{own.pk}/files/{own.attachments.get().pk}/", HTTP_HOST=MAIN
        ).status_code
        == 200
    )
    assert (
        client.get(f"/support/{own.pk}/files/{others_file.pk}/", HTTP_HOST=MAIN).status_code == 404
    )
    # The owner, with the file under another ticket's id, gets nothing either.
    client.force_login(people.customer)
    assert (
        client.get(f"/support/{own.pk}/files/{others_file.pk}/", HTTP_HOST=MAIN).status_code == 404
    )
    response = client.get(f"/support/{customer_ticket.pk}/files/{others_file.pk}/", HTTP_HOST=MAIN)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_agency_b_never_reaches_agency_a_tickets(client, people, agency_ticket):
    before = _unchanged(agency_ticket)
    client.force_login(people.owner_b)
    for method, path in _paths(agency_ticket):
        response = getattr(client, method)(
            path, {"body": "سلام"} if method == "post" else None, HTTP_HOST=PANEL
        )
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
    for method, path in _api(agency_ticket, "agency"):
        response = getattr(client, method)(path, HTTP_HOST=MAIN)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"
    assert "کارمزد ماه گذشته" not in client.get("/support/", HTTP_HOST=PANEL).content.decode()
    assert client.get("/api/support/agency/tickets/", HTTP_HOST=MAIN).json()["count"] == 0
    assert _unchanged(agency_ticket) == before


def test_a_customer_ticket_is_not_an_agency_ticket_and_back(
    client, people, customer_ticket, agency_ticket
):
    """The agency's member who wrote the agency's ticket does not see it as a customer, and
    the customer's ticket is no agency's."""
    client.force_login(people.member)
    assert client.get(f"/support/{agency_ticket.pk}/", HTTP_HOST=MAIN).status_code == 404
    assert (
        client.get(f"/api/support/tickets/{agency_ticket.pk}/", HTTP_HOST=MAIN).status_code == 404
    )
    assert client.get(f"/support/{customer_ticket.pk}/", HTTP_HOST=PANEL).status_code == 404
    assert (
        client.get(f"/api/support/agency/tickets/{customer_ticket.pk}/", HTTP_HOST=MAIN).status_code
        == 404
    )


def test_internal_notes_never_leak_to_the_customer_or_the_agency(client, people, noted):
    customer_ticket, agency_ticket = noted
    client.force_login(people.customer)
    for host in (MAIN, AGENCY_SITE):
        page = client.get(f"/support/{customer_ticket.pk}/", HTTP_HOST=host).content.decode()
        assert "پاسخ عمومی شرکت بیمه" in page and "SECRET-NOTE" not in page
        account = client.get("/account/", HTTP_HOST=host).content.decode()
        assert "SECRET-NOTE" not in account
    body = client.get(
        f"/api/support/tickets/{customer_ticket.pk}/", HTTP_HOST=MAIN
    ).content.decode()
    assert "پاسخ عمومی شرکت بیمه" in body and "SECRET-NOTE" not in body and "internal" not in body
    reply = client.post(
        f"/api/support/tickets/{customer_ticket.pk}/replies/",
        {"body": "ممنون"},
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert reply.status_code == 201 and "SECRET-NOTE" not in reply.content.decode()

    for person in (people.owner, people.member):
        client.force_login(person)
        page = client.get(f"/support/{agency_ticket.pk}/", HTTP_HOST=PANEL).content.decode()
        assert "پاسخ عمومی شرکت بیمه" in page and "SECRET-NOTE" not in page
        body = client.get(
            f"/api/support/agency/tickets/{agency_ticket.pk}/", HTTP_HOST=MAIN
        ).content.decode()
        assert "پاسخ عمومی شرکت بیمه" in body and "SECRET-NOTE" not in body

    client.force_login(people.operator)
    page = client.get(f"/support/{customer_ticket.pk}/", HTTP_HOST=OPS).content.decode()
    assert "SECRET-NOTE" in page and 'data-internal="1"' in page


def test_the_insurers_pages_are_closed_to_customers_agencies_and_marketing(
    client, people, customer_ticket
):
    for person in (people.customer, people.owner, people.marketing):
        client.force_login(person)
        for path in ("/support/", f"/support/{customer_ticket.pk}/"):
            assert client.get(path, HTTP_HOST=OPS).status_code == 404

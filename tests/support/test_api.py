"""/api/support/ (decision 017's contract): the customer's and the agency's tickets — create
(JSON), list, detail with the public thread, reply, close, and a file as its own multipart
operation; refusals in the one error shape, in Persian."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.models import Ticket
from tenants.models import Agency
from tenants.services import agency_set_status
from tests.support.conftest import png_upload

pytestmark = pytest.mark.django_db
MAIN = "localhost"


def _post(client, path, data):
    return client.post(path, data, content_type="application/json", HTTP_HOST=MAIN)


def test_a_customer_makes_the_whole_round_through_the_api(client, people, category):
    client.force_login(people.customer)
    categories = client.get("/api/support/categories/", HTTP_HOST=MAIN).json()
    assert [row["code"] for row in categories][:2] == ["sales", "payments"]
    created = _post(
        client,
        "/api/support/tickets/",
        {"category": "payments", "subject": "بازگشت وجه", "body": "وجه برنگشت"},
    )
    assert created.status_code == 201, created.content
    ticket = created.json()
    assert ticket["state"] == "new" and ticket["category"] == "payments"
    assert [m["author_side"] for m in ticket["messages"]] == ["customer"]
    ticket_id = ticket["id"]
    upload = client.post(
        f"/api/support/tickets/{ticket_id}/files/", {"file": png_upload()}, HTTP_HOST=MAIN
    )
    assert upload.status_code == 201 and upload.json()["content_type"] == "image/png"
    detail = client.get(f"/api/support/tickets/{ticket_id}/", HTTP_HOST=MAIN).json()
    assert [f["name"] for f in detail["files"]] == ["receipt.png"]
    reply = _post(client, f"/api/support/tickets/{ticket_id}/replies/", {"body": "فوری است"})
    assert reply.status_code == 201 and len(reply.json()["messages"]) == 2
    closed = client.post(f"/api/support/tickets/{ticket_id}/close/", HTTP_HOST=MAIN)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    listed = client.get("/api/support/tickets/", HTTP_HOST=MAIN).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == ticket_id
    refused = client.post(
        f"/api/support/tickets/{ticket_id}/files/", {"file": png_upload()}, HTTP_HOST=MAIN
    )
    assert refused.status_code == 409 and refused.json()["code"] == "ticket_closed"


def test_refusals_have_the_one_shape_in_persian_and_keep_nothing(client, people, category):
    client.force_login(people.customer)
    unknown = _post(
        client, "/api/support/tickets/", {"category": "nothing", "subject": "س", "body": "م"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {"category": ["موضوع کلی را انتخاب کنید."]}
    blank = _post(
        client, "/api/support/tickets/", {"category": "payments", "subject": "  ", "body": "م"}
    )
    assert blank.status_code == 400 and "subject" in blank.json()["fields"]
    assert Ticket.objects.count() == 0
    ticket = _post(
        client, "/api/support/tickets/", {"category": "payments", "subject": "س", "body": "م"}
    ).json()
    bad_file = client.post(
        f"/api/support/tickets/{ticket['id']}/files/",
        {"file": png_upload("fake.pdf")},
        HTTP_HOST=MAIN,
    )
    assert bad_file.status_code == 422
    assert "JPG" in bad_file.json()["fields"]["file"][0]
    assert Ticket.objects.get().attachments.count() == 0
    json_upload = _post(client, f"/api/support/tickets/{ticket['id']}/files/", {"file": "x"})
    assert json_upload.status_code == 415
    assert client.get("/api/support/tickets/", HTTP_HOST=MAIN).status_code == 200
    client.logout()
    assert client.get("/api/support/tickets/", HTTP_HOST=MAIN).status_code in (401, 403)


def test_the_agency_side_through_the_api(client, people, agency, category):
    client.force_login(people.member)
    created = _post(
        client,
        "/api/support/agency/tickets/",
        {"category": "agency", "subject": "دسترسی کارمند", "body": "کارمند جدید وارد نمی‌شود"},
    )
    assert created.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.side, ticket.agency, ticket.customer) == ("agency", agency, None)
    # Shared by the agency's members; not the member's own customer tickets.
    client.force_login(people.owner)
    assert client.get("/api/support/agency/tickets/", HTTP_HOST=MAIN).json()["count"] == 1
    assert client.get("/api/support/tickets/", HTTP_HOST=MAIN).json()["count"] == 0
    # A customer with no agency: 403 on the collection, 404 on an id.
    client.force_login(people.customer)
    assert client.get("/api/support/agency/tickets/", HTTP_HOST=MAIN).status_code == 403
    assert (
        client.get(f"/api/support/agency/tickets/{ticket.pk}/", HTTP_HOST=MAIN).status_code == 404
    )
    # A suspended agency: 403 with the Persian reason, nothing written.
    agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None, reason="بازرسی")
    client.force_login(people.owner)
    stopped = _post(client, f"/api/support/agency/tickets/{ticket.pk}/replies/", {"body": "x"})
    assert stopped.status_code == 403 and stopped.json()["code"] == "agency_inactive"
    assert ticket.messages.count() == 1


def test_the_list_costs_the_same_queries_for_few_and_many(client, people, category):
    from support.services import Party, ticket_open

    client.force_login(people.customer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/support/tickets/", HTTP_HOST=MAIN).status_code == 200
        return len(queries)

    ticket_open(party=Party.customer(people.customer), category=category, subject="س", body="م")
    few = count()
    for n in range(10):
        ticket_open(
            party=Party.customer(people.customer), category=category, subject=f"س{n}", body="م"
        )
    assert count() == few

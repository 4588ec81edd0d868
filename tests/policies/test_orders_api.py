"""The orders API end to end with the sandbox bank, its refusals in Persian, and its walls."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.sites import main_site_url
from policies.models import Order, Payment, Quote
from policies.services.orders import delivery_dates
from tests.policies.fixtures_purchase import *  # noqa: F403 - its fixtures
from tests.policies.test_purchase_pages import DETAILS, PNG, QUOTE, fa, snapshot

pytestmark = pytest.mark.django_db

INSURED = {
    "first_name": "مریم",
    "last_name": "احمدی",
    "national_code": "۰۰۱۳۵۴۲۴۱۹",
    "birth_date": "۱۳۷۰/۰۱/۳۱",
    "mobile": "09121112233",
}
FILE_TYPE = "Only JPG, PNG or PDF files are accepted, and the name must match the content."


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def api_quote(client, host: str) -> str:
    response = client.post(
        "/api/quotes/",
        {"line": "third_party", "answers": QUOTE},
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def api_order(client, host: str) -> str:
    response = client.post(
        "/api/orders/",
        {"quote": api_quote(client, host)},
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def put(client, url: str, data: dict, host: str):
    return client.put(url, data, content_type="application/json", HTTP_HOST=host)


def api_order_submitted(client, host: str, method: str = "post") -> str:
    order_id = api_order(client, host)
    base = f"/api/orders/{order_id}"
    assert put(client, f"{base}/insured/", INSURED, host).status_code == 200
    assert put(client, f"{base}/details/", {"answers": DETAILS}, host).status_code == 200
    upload = client.post(
        f"{base}/documents/",
        {"kind": "vehicle_card", "file": SimpleUploadedFile("card.png", PNG)},
        HTTP_HOST=host,
    )
    assert upload.status_code == 201, upload.content
    delivery = {
        "method": method,
        "province": "تهران",
        "city": "تهران",
        "address": "خیابان ولیعصر، پلاک ۱۲",
        "postal_code": "۱۲۳۴۵۶۷۸۹۰",
        "date": delivery_dates()[0].isoformat(),
        "slot": "09-12",
    }
    response = put(client, f"{base}/delivery/", delivery, host)
    assert response.status_code == 200, response.content
    assert response.json()["missing_steps"] == []
    submitted = client.post(f"{base}/submit/", HTTP_HOST=host)
    assert submitted.status_code == 200 and submitted.json()["state"] == "awaiting_payment"
    return order_id


def api_pay(client, host: str, order_id: str, action: str = "pay") -> dict:
    """Pay through the API, the customer's browser going through the sandbox bank's page."""
    pay = client.post(f"/api/orders/{order_id}/pay/", HTTP_HOST=host)
    assert pay.status_code == 200, pay.content
    body = pay.json()
    payment = Payment.objects.get(public_id=body["payment"])
    assert body == {
        "payment": str(payment.public_id),
        "redirect_url": main_site_url(f"/dev/bank/{payment.token}/"),
        "method": "GET",
        "form": {},
    }
    back = client.post(_path(body["redirect_url"]), {"action": action}, HTTP_HOST="localhost")
    callback = urlsplit(back["Location"])
    assert callback.hostname == host
    assert callback.path == f"/payments/{payment.public_id}/callback/"
    client.get(_path(back["Location"]), HTTP_HOST=host)
    return client.get(f"/api/orders/{order_id}/", HTTP_HOST=host).json()


@pytest.mark.parametrize(
    ("host", "method"), [("localhost", "post"), ("ar685.localhost", "agency_courier")]
)
def test_buy_and_pay_through_the_api_on_each_kind_of_site(
    client, catalog, agency, customer, host, method
):
    client.force_login(customer)
    order_id = api_order_submitted(client, host, method)
    body = api_pay(client, host, order_id)
    order = Order.objects.get(public_id=order_id)
    payment = order.payments.get()
    assert (order.state, order.channel, order.agency_id) == (
        "paid",
        "agency" if host != "localhost" else "main",
        agency.pk if host != "localhost" else None,
    )
    assert body["state"] == "paid"
    assert body["premium"] == "65314000"
    assert body["insured"] == {
        "first_name": "مریم",
        "last_name": "احمدی",
        "national_code": "0013542419",
        "birth_date": "1991-04-20",
        "mobile": "09121112233",
    }
    assert body["delivery"]["method"] == method
    assert body["delivery"]["postal_code"] == "1234567890"
    assert body["documents"] == [
        {
            "kind": "vehicle_card",
            "original_name": "card.png",
            "content_type": "image/png",
            "size": len(PNG),
        }
    ]
    assert [(p["attempt"], p["state"], p["amount"], p["reference"]) for p in body["payments"]] == [
        (1, "succeeded", "65314000", payment.reference)
    ]
    assert payment.reference != ""
    listed = client.get("/api/orders/", HTTP_HOST=host).json()
    assert [(o["id"], o["state"]) for o in listed] == [(order_id, "paid")]


def test_a_failed_payment_through_the_api_leaves_the_order_payable(client, catalog, customer):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    body = api_pay(client, "localhost", order_id, action="fail")
    assert body["state"] == "awaiting_payment"
    assert [p["state"] for p in body["payments"]] == ["cancelled"]
    body = api_pay(client, "localhost", order_id)
    assert body["state"] == "paid"
    assert sorted((p["attempt"], p["state"]) for p in body["payments"]) == [
        (1, "cancelled"),
        (2, "succeeded"),
    ]


def test_a_bank_that_is_down_is_a_persian_503_and_the_order_stays_payable(
    client, catalog, customer, bank_down
):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    response = client.post(f"/api/orders/{order_id}/pay/", HTTP_HOST="localhost")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "detail": fa(
            "The payment gateway is not available right now. Please try again in a minute."
        ),
        "code": "gateway",
    }
    order = Order.objects.get(public_id=order_id)
    assert order.state == "awaiting_payment"
    assert list(order.payments.values_list("state", flat=True)) == ["failed"]


@pytest.mark.parametrize(
    ("kind", "name", "content", "field", "message"),
    [
        ("vehicle_card", "card.png", b"%PDF-1.4\n1 0 obj\n", "file", FILE_TYPE),
        ("vehicle_card", "setup.exe", b"MZ\x90\x00" + b"\x00" * 500, "file", FILE_TYPE),
        (
            "vehicle_card",
            "scan.jpg",
            b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 1024 * 1024),
            "file",
            "The file is larger than 5 MB; please upload a smaller one.",
        ),
        ("vehicle_card", "empty.png", b"", "file", "The file is empty."),
        ("passport", "card.png", PNG, "kind", "This document is not asked for."),
    ],
)
def test_a_refused_document_is_a_persian_error_on_its_field_and_nothing_changes(
    client, catalog, customer, kind, name, content, field, message
):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    response = client.post(
        f"/api/orders/{order_id}/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": fa(message),
        "code": "invalid",
        "fields": {field: [fa(message)]},
    }
    assert snapshot(order) == before  # still awaiting payment, the first card kept


def test_wrong_insured_data_gets_a_persian_message_per_field_and_nothing_is_saved(
    client, catalog, customer
):
    client.force_login(customer)
    order_id = api_order(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    url = f"/api/orders/{order_id}/insured/"
    # The form is right, a rule refuses: 422.
    response = put(client, url, {**INSURED, "national_code": "1234567890"}, "localhost")
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "national_code": [fa("Enter a valid 10-digit national code.")]
    }
    response = put(
        client, url, {**INSURED, "first_name": " ", "national_code": "1111111112"}, "localhost"
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "first_name": [fa("Enter the first name.")],
        "national_code": [fa("Enter a valid 10-digit national code.")],
    }
    # Not what the schema says: 400.
    response = put(client, url, {**INSURED, "mobile": "123"}, "localhost")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "mobile": [fa("Enter a valid mobile number, e.g. 09121234567.")]
    }
    response = put(client, url, {**INSURED, "birth_date": "1370/13/40"}, "localhost")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["birth_date"]
    assert snapshot(order) == before


def test_agency_courier_is_refused_on_the_main_site(client, catalog, customer):
    client.force_login(customer)
    order_id = api_order(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    response = put(
        client,
        f"/api/orders/{order_id}/delivery/",
        {
            "method": "agency_courier",
            "address": "خیابان آزادی",
            "postal_code": "1234567890",
            "province": "تهران",
            "city": "تهران",
            "date": delivery_dates()[0].isoformat(),
            "slot": "09-12",
        },
        "localhost",
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "method": [fa("Agency courier is offered on agency sites only.")]
    }
    assert snapshot(order) == before


def test_submit_and_pay_wait_for_the_steps(client, catalog, customer):
    client.force_login(customer)
    order_id = api_order(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    submit = client.post(f"/api/orders/{order_id}/submit/", HTTP_HOST="localhost")
    assert submit.status_code == 422
    assert submit.json() == {"detail": fa("Some steps are not finished yet."), "code": "incomplete"}
    pay = client.post(f"/api/orders/{order_id}/pay/", HTTP_HOST="localhost")
    assert pay.status_code == 409 and pay.json()["code"] == "order_state"
    assert snapshot(order) == before
    assert Payment.objects.count() == 0


def test_a_cancelled_order_can_no_longer_be_changed_or_paid(client, catalog, customer):
    client.force_login(customer)
    order_id = api_order_submitted(client, "localhost")
    cancelled = client.post(f"/api/orders/{order_id}/cancel/", HTTP_HOST="localhost")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    base = f"/api/orders/{order_id}"
    assert client.post(f"{base}/cancel/", HTTP_HOST="localhost").status_code == 409
    assert client.post(f"{base}/pay/", HTTP_HOST="localhost").status_code == 409
    assert put(client, f"{base}/insured/", INSURED, "localhost").status_code == 409
    assert snapshot(order) == before
    # "Buy" on the same quote again opens a new order: the cancelled one stays closed.
    again = client.post(
        "/api/orders/",
        {"quote": str(order.quote.public_id)},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert again.status_code == 201 and again.json()["id"] != order_id


def _every_call(client, order_id: str, host: str) -> list[int]:
    base = f"/api/orders/{order_id}"
    return [
        client.get(f"{base}/", HTTP_HOST=host).status_code,
        put(client, f"{base}/insured/", INSURED, host).status_code,
        put(client, f"{base}/details/", {"answers": DETAILS}, host).status_code,
        put(
            client,
            f"{base}/delivery/",
            {"method": "in_person", "date": delivery_dates()[0].isoformat(), "slot": "09-12"},
            host,
        ).status_code,
        client.post(
            f"{base}/documents/",
            {"kind": "vehicle_card", "file": SimpleUploadedFile("c.png", PNG)},
            HTTP_HOST=host,
        ).status_code,
        client.post(f"{base}/submit/", HTTP_HOST=host).status_code,
        client.post(f"{base}/pay/", HTTP_HOST=host).status_code,
        client.post(f"{base}/cancel/", HTTP_HOST=host).status_code,
    ]


def test_another_customer_or_another_site_gets_404_everywhere_and_nothing_changes(
    client, catalog, agency, other_agency, customer, stranger
):
    client.force_login(customer)
    order_id = api_order_submitted(client, "ar685.localhost")
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    for host in ("localhost", "ar686.localhost"):
        assert _every_call(client, order_id, host) == [404] * 8, host
        assert client.get("/api/orders/", HTTP_HOST=host).json() == []
    client.force_login(stranger)
    assert _every_call(client, order_id, "ar685.localhost") == [404] * 8
    assert client.get("/api/orders/", HTTP_HOST="ar685.localhost").json() == []
    assert snapshot(order) == before


def test_an_order_needs_a_live_quote_of_this_site(client, catalog, agency, customer):
    client.force_login(customer)
    main_quote = api_quote(client, "localhost")

    def start(quote: str, host: str):
        return client.post(
            "/api/orders/", {"quote": quote}, content_type="application/json", HTTP_HOST=host
        )

    assert start(main_quote, "ar685.localhost").status_code == 404
    assert start("7d0c1d7e-0000-4000-8000-000000000000", "localhost").status_code == 404
    bad = start("not-a-uuid", "localhost")
    assert bad.status_code == 400 and list(bad.json()["fields"]) == ["quote"]
    assert Order.objects.count() == 0
    client.get(f"/api/quotes/{main_quote}/", HTTP_HOST="localhost")  # stored
    Quote.objects.filter(public_id=main_quote).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    expired = start(main_quote, "localhost")
    assert expired.status_code == 422
    assert expired.json()["fields"] == {
        "quote": [fa("This quote has expired; please get a new one.")]
    }
    assert Order.objects.count() == 0


def test_my_orders_are_listed_in_a_constant_number_of_queries(client, catalog, agency, customer):
    client.force_login(customer)
    first = api_order(client, "localhost")
    api_order(client, "ar685.localhost")  # another site's: not listed

    def listed():
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/orders/", HTTP_HOST="localhost").json()
        return body, len(queries)

    body, one = listed()
    assert [o["id"] for o in body] == [first]
    more = [api_order(client, "localhost") for _ in range(4)]
    body, five = listed()
    assert sorted(o["id"] for o in body) == sorted([first, *more])
    assert {o["line"] for o in body} == {"third_party"}
    assert five == one


def test_the_orders_api_is_for_logged_in_customers(client, catalog, customer):
    client.force_login(customer)
    order_id = api_order(client, "localhost")
    order = Order.objects.get(public_id=order_id)
    before = snapshot(order)
    client.logout()
    assert client.get("/api/orders/", HTTP_HOST="localhost").status_code == 401
    assert _every_call(client, order_id, "localhost") == [401] * 8
    assert snapshot(order) == before


def test_an_issued_order_names_its_policy_and_my_policies_are_listed_per_site(
    client, catalog, agency, customer, insurer_operator
):
    from policies.services.issuance import policy_issue

    client.force_login(customer)
    main_id = api_order_submitted(client, "localhost")
    api_pay(client, "localhost", main_id)
    agency_id = api_order_submitted(client, "ar685.localhost")
    api_pay(client, "ar685.localhost", agency_id)
    agency.can_issue = False  # the virtual branch issues for it
    agency.save()
    main_policy = policy_issue(order=Order.objects.get(public_id=main_id), actor=insurer_operator)
    agency_policy = policy_issue(
        order=Order.objects.get(public_id=agency_id), actor=insurer_operator
    )
    body = client.get(f"/api/orders/{main_id}/", HTTP_HOST="localhost").json()
    assert (body["state"], body["policy_number"]) == ("issued", main_policy.number)
    on_main = client.get("/api/policies/", HTTP_HOST="localhost").json()
    assert sorted(p["number"] for p in on_main) == sorted(
        [main_policy.number, agency_policy.number]
    )  # one account on every site: the main site shows all of the customer's policies
    on_agency = client.get("/api/policies/", HTTP_HOST="ar685.localhost").json()
    assert on_agency == [
        {
            "number": agency_policy.number,
            "line": "third_party",
            "state": agency_policy.state,
            "start_date": agency_policy.start_date.isoformat(),
            "end_date": agency_policy.end_date.isoformat(),
            "premium": "65314000",
            "pdf_url": f"/policies/{agency_policy.number}/pdf/",
        }
    ]

"""Buying through the pages with the sandbox bank, on the main site and on an agency site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.jalali import format_jalali_date
from policies.models import Order, Payment, Quote, SalesEvent
from policies.services.orders import delivery_dates

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
QUOTE = {
    "vehicle_group": "pride",
    "usage": "personal",
    "production_year": "۱۳۹۸",
    "previous_insurer": "iran",
    "no_claim_years": "3",
    "days_since_expiry": "0",
    "extra_cover": "none",
}
INSURED = {
    "first_name": "مریم",
    "last_name": "احمدی",
    "national_code": "۰۰۱۳۵۴۲۴۱۹",
    "birth_date": "۱۳۷۰/۰۱/۳۱",
    "mobile": "09121112233",
}
DETAILS = {
    "plate_number": "۱۲ب۳۴۵-۶۷",
    "chassis_number": "NAAM01CA9JK123456",
    "engine_number": "M15A1234567",
}


def _path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _delivery():
    return {
        "method": "post",
        "province": "تهران",
        "city": "تهران",
        "address": "خیابان ولیعصر، کوچه دوم، پلاک ۱۲",
        "postal_code": "1234567890",
        "date": delivery_dates()[0].isoformat(),
        "slot": "09-12",
    }


def buy_until_review(client, host):
    response = client.post("/insurance/third_party/", QUOTE, HTTP_HOST=host)
    assert response.status_code == 302, response.content.decode()[:2000]
    quote_path = response["Location"]
    page = client.get(quote_path, HTTP_HOST=host).content.decode()
    assert 'id="quote-premium"' in page
    quote = Quote.objects.get(public_id=quote_path.rstrip("/").rsplit("/", 1)[1])
    assert quote.premium == 65_314_000
    response = client.post(f"/orders/start/{quote.public_id}/", HTTP_HOST=host)
    assert response["Location"].endswith("/insured/")
    order = Order.objects.get(quote=quote)
    base = f"/orders/{order.public_id}"
    assert client.post(f"{base}/insured/", INSURED, HTTP_HOST=host)["Location"].endswith(
        "/details/"
    )
    assert client.post(f"{base}/details/", DETAILS, HTTP_HOST=host)["Location"].endswith(
        "/documents/"
    )
    response = client.post(
        f"{base}/documents/",
        {"vehicle_card": SimpleUploadedFile("card.png", PNG), "continue": "1"},
        HTTP_HOST=host,
    )
    assert response["Location"].endswith("/delivery/")
    assert client.post(f"{base}/delivery/", _delivery(), HTTP_HOST=host)["Location"].endswith(
        "/review/"
    )
    return order


def pay(client, host, order, action="pay"):
    response = client.post(f"/orders/{order.public_id}/review/", HTTP_HOST=host)
    if response["Location"].endswith(f"/orders/{order.public_id}/"):
        response = client.post(f"/orders/{order.public_id}/pay/", HTTP_HOST=host)
    bank = _path(response["Location"])
    assert bank.startswith("/dev/bank/")
    assert client.get(bank, HTTP_HOST="localhost").status_code == 200
    back = client.post(bank, {"action": action}, HTTP_HOST="localhost")["Location"]
    callback = urlsplit(back)
    assert callback.hostname == host  # the bank returns the customer to the site of the sale
    result = client.get(_path(back), HTTP_HOST=host)
    assert _path(result["Location"]) == f"/orders/{order.public_id}/"
    return client.get(_path(result["Location"]), HTTP_HOST=host).content.decode()


@pytest.mark.parametrize(
    ("host", "channel"), [("localhost", "main"), ("ar685.localhost", "agency")]
)
def test_buy_and_pay_on_each_kind_of_site(client, catalog, agency, customer, host, channel):
    client.force_login(customer)
    order = buy_until_review(client, host)
    review = client.get(f"/orders/{order.public_id}/review/", HTTP_HOST=host).content.decode()
    assert "مریم" in review and "card.png" in review
    page = pay(client, host, order)
    order.refresh_from_db()
    assert order.state == "paid"
    assert order.channel == channel
    assert order.agency_id == (agency.pk if channel == "agency" else None)
    assert 'data-state="paid"' in page
    assert order.insured_national_code == "0013542419"
    assert order.details["plate_number"] == "12ب345-67"
    events = list(SalesEvent.objects.filter(order=order).values_list("event", flat=True))
    for event in (
        "order_created",
        "order_insured_saved",
        "order_document_added",
        "payment_started",
        "payment_verified",
        "order_paid",
    ):
        assert event in events
    assert (
        SalesEvent.objects.filter(order=order, event="payment_verified").get().ip_address
        == "127.0.0.1"
    )
    account = client.get("/account/", HTTP_HOST=host).content.decode()
    assert str(order.public_id) in account


def test_a_failed_payment_leaves_the_order_payable_and_a_new_attempt_pays(
    client, catalog, customer
):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    page = pay(client, "localhost", order, action="fail")
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert 'id="order-pay"' in page
    pay(client, "localhost", order)
    order.refresh_from_db()
    assert order.state == "paid"
    assert list(order.payments.order_by("attempt").values_list("state", flat=True)) == [
        "cancelled",
        "succeeded",
    ]


def test_a_replayed_callback_changes_nothing(client, catalog, customer):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    pay(client, "localhost", order)
    payment = Payment.objects.get(order=order)
    before = (
        payment.state,
        payment.verified_at,
        SalesEvent.objects.filter(event="payment_verified").count(),
    )
    client.get(
        f"/payments/{payment.public_id}/callback/?token={payment.token}&status=OK",
        HTTP_HOST="localhost",
    )
    payment.refresh_from_db()
    assert (
        payment.state,
        payment.verified_at,
        SalesEvent.objects.filter(event="payment_verified").count(),
    ) == before


def test_wrong_input_keeps_what_was_typed(client, catalog, customer):
    client.force_login(customer)
    response = client.post(
        "/insurance/third_party/", {**QUOTE, "production_year": "abc"}, HTTP_HOST="localhost"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="abc"' in body and "invalid-feedback" in body
    assert 'value="pride" selected' in body
    order = buy_until_review(client, "localhost")
    response = client.post(
        f"/orders/{order.public_id}/insured/",
        {**INSURED, "national_code": "1234567890"},
        HTTP_HOST="localhost",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "is-invalid" in body
    assert 'value="مریم"' in body and 'value="1234567890"' in body
    order.refresh_from_db()
    assert order.insured_national_code == "0013542419"  # the saved value is untouched


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("card.png", b"%PDF-1.4 not a png"),
        ("virus.exe", b"MZ" + b"\x00" * 100),
        ("big.jpg", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024 + 1)),
    ],
)
def test_a_wrong_or_oversized_file_gets_a_clear_error(client, catalog, customer, name, content):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    response = client.post(
        f"/orders/{order.public_id}/documents/",
        {"previous_policy": SimpleUploadedFile(name, content)},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 400
    assert 'data-document="previous_policy"' in response.content.decode()
    assert "invalid-feedback" in response.content.decode()
    assert list(order.documents.values_list("kind", flat=True)) == ["vehicle_card"]


def test_a_half_finished_order_is_resumed(client, catalog, customer):
    client.force_login(customer)
    response = client.post("/insurance/third_party/", QUOTE, HTTP_HOST="localhost")
    quote_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    first = client.post(f"/orders/start/{quote_id}/", HTTP_HOST="localhost")["Location"]
    order = Order.objects.get(quote__public_id=quote_id)
    client.post(f"/orders/{order.public_id}/insured/", INSURED, HTTP_HOST="localhost")
    # Later: "Buy" again on the same quote resumes where the customer left.
    again = client.post(f"/orders/start/{quote_id}/", HTTP_HOST="localhost")["Location"]
    assert first.endswith("/insured/") and again.endswith("/details/")
    assert Order.objects.filter(quote__public_id=quote_id).count() == 1
    account = client.get("/account/", HTTP_HOST="localhost").content.decode()
    assert f"/orders/{order.public_id}/details/" in account


def test_anonymous_buyer_is_sent_to_login_and_back_to_the_quote(client, catalog):
    response = client.post("/insurance/third_party/", QUOTE, HTTP_HOST="localhost")
    quote_path = response["Location"]
    quote_id = quote_path.rstrip("/").rsplit("/", 1)[1]
    login = client.post(f"/orders/start/{quote_id}/", HTTP_HOST="localhost")["Location"]
    assert login.startswith("/accounts/login/")
    assert re.search(r"next=%2Fquotes%2F" + quote_id, login)


def test_orders_are_visible_only_to_their_customer_on_their_site(client, catalog, agency, customer):
    from tests.factories import create_user

    client.force_login(customer)
    order = buy_until_review(client, "ar685.localhost")
    for path in ("", "insured/", "review/"):
        assert (
            client.get(f"/orders/{order.public_id}/{path}", HTTP_HOST="ar685.localhost").status_code
            == 200
        )
        assert (
            client.get(f"/orders/{order.public_id}/{path}", HTTP_HOST="localhost").status_code
            == 404
        )
    client.force_login(create_user())
    assert client.get(f"/orders/{order.public_id}/", HTTP_HOST="ar685.localhost").status_code == 404


def test_an_agency_site_offers_only_its_lines(client, catalog, agency):
    from policies.models import AgencyLine, Line

    AgencyLine.objects.create(agency=agency, line=Line.objects.get(code="travel"), allowed=False)
    page = client.get("/insurance/", HTTP_HOST="ar685.localhost").content.decode()
    assert 'data-line="third_party"' in page and 'data-line="travel"' not in page
    assert client.get("/insurance/travel/", HTTP_HOST="ar685.localhost").status_code == 404
    assert client.get("/insurance/travel/", HTTP_HOST="localhost").status_code == 200
    response = client.post(
        "/api/quotes/",
        {"line": "travel", "answers": {"zone": "asia", "duration": "7", "age": "30"}},
        content_type="application/json",
        HTTP_HOST="ar685.localhost",
    )
    assert response.status_code == 400
    assert "line" in response.json()


def test_jalali_delivery_dates_are_offered(client, catalog, customer):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    page = client.get(
        f"/orders/{order.public_id}/delivery/", HTTP_HOST="localhost"
    ).content.decode()
    assert format_jalali_date(delivery_dates()[0]) in page

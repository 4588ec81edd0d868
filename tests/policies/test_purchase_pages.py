"""Buying through the pages with the sandbox bank, on the main site and on an agency site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from core.jalali import format_jalali_date
from policies.models import Order, Payment, Quote, SalesEvent
from policies.services.orders import delivery_dates
from tests.files import png_bytes
from tests.policies.fixtures_purchase import *  # noqa: F403 - its fixtures

pytestmark = pytest.mark.django_db

PNG = png_bytes()
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


def test_anonymous_buyer_is_sent_to_login_and_then_on_to_the_purchase(client, catalog):
    response = client.post("/insurance/third_party/", QUOTE, HTTP_HOST="localhost")
    quote_path = response["Location"]
    quote_id = quote_path.rstrip("/").rsplit("/", 1)[1]
    login = client.post(f"/orders/start/{quote_id}/", HTTP_HOST="localhost")["Location"]
    assert login == f"/accounts/login/?next=%2Forders%2Fstart%2F{quote_id}%2F"
    assert Order.objects.count() == 0


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
    assert response.status_code == 422
    assert "line" in response.json()["fields"]


def test_jalali_delivery_dates_are_offered(client, catalog, customer):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    page = client.get(
        f"/orders/{order.public_id}/delivery/", HTTP_HOST="localhost"
    ).content.decode()
    assert format_jalali_date(delivery_dates()[0]) in page


# --- The customer's side, step by step: refusals, isolation, the bank's return, the account ---


def fa(message: str) -> str:
    """The Persian text a customer sees for ``message`` (which must have a translation)."""
    with translation.override("fa"):
        text = translation.gettext(message)
    assert text != message, f"no Persian translation of {message!r}"
    return text


def snapshot(order: Order) -> dict:
    """Everything a refused step must leave as it was."""
    row = Order.objects.filter(pk=order.pk).values().get()
    row.pop("updated_at")
    row["documents"] = sorted(
        order.documents.values_list("kind", "original_name", "size", "sha256", "file")
    )
    row["payments"] = sorted(order.payments.values_list("attempt", "state"))
    return row


def start_order(client, host: str = "localhost") -> Order:
    quote_path = client.post("/insurance/third_party/", QUOTE, HTTP_HOST=host)["Location"]
    quote_id = quote_path.rstrip("/").rsplit("/", 1)[1]
    client.post(f"/orders/start/{quote_id}/", HTTP_HOST=host)
    return Order.objects.get(quote__public_id=quote_id)


def test_an_anonymous_buyer_logs_in_by_sms_and_buys_the_same_quote(client, catalog):
    from tests.accounts.conftest import last_code

    quote_path = client.post("/insurance/third_party/", QUOTE, HTTP_HOST="localhost")["Location"]
    quote_id = quote_path.rstrip("/").rsplit("/", 1)[1]
    login = client.post(f"/orders/start/{quote_id}/", HTTP_HOST="localhost")["Location"]
    start = f"/orders/start/{quote_id}/"
    assert login == f"/accounts/login/?next=%2Forders%2Fstart%2F{quote_id}%2F"
    assert Order.objects.count() == 0
    assert client.get(login, HTTP_HOST="localhost").status_code == 200
    verify = client.post(
        "/accounts/login/", {"mobile": "09351112233", "next": start}, HTTP_HOST="localhost"
    )["Location"]
    assert verify.startswith("/accounts/login/verify/")
    back = client.post(
        "/accounts/login/verify/",
        {"code": last_code("09351112233"), "next": start},
        HTTP_HOST="localhost",
    )
    assert back["Location"] == start
    # Back from the login, the purchase goes on: no second press of "buy".
    step = client.get(start, HTTP_HOST="localhost")["Location"]
    order = Order.objects.get()
    assert step == f"/orders/{order.public_id}/insured/"
    assert (order.customer.mobile, str(order.quote.public_id), order.state) == (
        "09351112233",
        quote_id,
        "draft",
    )


def test_every_step_page_shows_the_step_indicator_and_what_is_saved(client, catalog, customer):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    for step in ("insured", "details", "documents", "delivery", "review"):
        page = client.get(f"/orders/{order.public_id}/{step}/", HTTP_HOST="localhost")
        body = page.content.decode()
        assert page.status_code == 200
        assert 'id="order-steps"' in body
        assert re.search(rf'class="nav-link active" href="[^"]+/{step}/"', body), step
    insured = client.get(f"/orders/{order.public_id}/insured/", HTTP_HOST="localhost")
    body = insured.content.decode()
    # A stored number is offered in the page's digits (Latin ones are accepted back too).
    assert 'value="مریم"' in body and 'value="۰۰۱۳۵۴۲۴۱۹"' in body
    details = client.get(f"/orders/{order.public_id}/details/", HTTP_HOST="localhost")
    assert 'value="NAAM01CA9JK123456"' in details.content.decode()
    documents = client.get(f"/orders/{order.public_id}/documents/", HTTP_HOST="localhost")
    assert "card.png" in documents.content.decode()
    delivery = client.get(f"/orders/{order.public_id}/delivery/", HTTP_HOST="localhost")
    body = delivery.content.decode()
    assert 'value="۱۲۳۴۵۶۷۸۹۰"' in body
    assert re.search(r'<input type="radio" name="method" value="post"[^>]*checked', body)


def test_an_invalid_national_code_is_shown_in_persian_and_every_typed_value_is_kept(
    client, catalog, customer
):
    client.force_login(customer)
    order = start_order(client)
    before = snapshot(order)
    typed = {
        "first_name": "زهرا",
        "last_name": "محمدی",
        "national_code": "۱۲۳۴۵۶۷۸۹۰",
        "birth_date": "۱۳۶۵/۰۷/۱۵",
        "mobile": "۰۹۱۲۵۵۵۶۶۷۷",
    }
    response = client.post(f"/orders/{order.public_id}/insured/", typed, HTTP_HOST="localhost")
    body = response.content.decode()
    assert response.status_code == 200
    for value in typed.values():
        assert f'value="{value}"' in body, value
    error = fa("Enter a valid 10-digit national code.")
    assert re.search(
        r'name="national_code"[^>]*class="[^"]*is-invalid[^"]*"[^>]*>\s*'
        rf'<div class="invalid-feedback">{re.escape(error)}</div>',
        body,
    ) or re.search(
        r'class="[^"]*is-invalid[^"]*"[^>]*name="national_code"[^>]*>\s*'
        rf'<div class="invalid-feedback">{re.escape(error)}</div>',
        body,
    )
    assert body.count("invalid-feedback") == 1  # only the national code is wrong
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "card.png",
            b"%PDF-1.4\n1 0 obj\n",
            "Only JPG, PNG or PDF files are accepted, and the name must match the content.",
        ),
        (
            "setup.exe",
            b"MZ\x90\x00" + b"\x00" * 500,
            "Only JPG, PNG or PDF files are accepted, and the name must match the content.",
        ),
        (
            "scan.jpg",
            b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 1024 * 1024),
            "The file is larger than 5 MB; please upload a smaller one.",
        ),
    ],
)
def test_a_refused_upload_replaces_nothing_and_keeps_the_rest_of_the_order(
    client, catalog, customer, name, content, message
):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    before = snapshot(order)
    response = client.post(
        f"/orders/{order.public_id}/documents/",
        {"vehicle_card": SimpleUploadedFile(name, content), "continue": "1"},
        HTTP_HOST="localhost",
    )
    body = response.content.decode()
    assert response.status_code == 400
    block = body.split('data-document="vehicle_card"', 1)[1].split("data-document=", 1)[0]
    assert f'<div class="invalid-feedback">{fa(message)}</div>' in block
    assert "card.png" in block  # the document already there is still shown
    assert 'id="order-steps"' in body
    assert snapshot(order) == before


def test_continuing_without_a_required_document_is_refused(client, catalog, customer):
    client.force_login(customer)
    order = start_order(client)
    client.post(f"/orders/{order.public_id}/insured/", INSURED, HTTP_HOST="localhost")
    client.post(f"/orders/{order.public_id}/details/", DETAILS, HTTP_HOST="localhost")
    response = client.post(
        f"/orders/{order.public_id}/documents/", {"continue": "1"}, HTTP_HOST="localhost"
    )
    assert response.status_code == 400
    assert fa("Please upload: %(documents)s.").split("%")[0] in response.content.decode()
    order.refresh_from_db()
    assert order.step == "details"
    assert "documents" in services_missing(order)


def services_missing(order: Order) -> list[str]:
    from policies.services.orders import order_missing_steps

    return order_missing_steps(order=order)


def test_agency_courier_is_offered_only_on_agency_sites(client, catalog, agency, customer):
    client.force_login(customer)
    main = buy_until_review(client, "localhost")
    page = client.get(f"/orders/{main.public_id}/delivery/", HTTP_HOST="localhost").content
    assert b'value="agency_courier"' not in page and b'value="courier"' in page
    before = snapshot(main)
    response = client.post(
        f"/orders/{main.public_id}/delivery/",
        {**_delivery(), "method": "agency_courier", "address": "میدان آزادی"},
        HTTP_HOST="localhost",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "invalid-feedback" in body and "میدان آزادی" in body
    assert snapshot(main) == before

    on_agency = buy_until_review(client, "ar685.localhost")
    page = client.get(f"/orders/{on_agency.public_id}/delivery/", HTTP_HOST="ar685.localhost")
    assert b'value="agency_courier"' in page.content
    assert 'value="تهران"' in page.content.decode()  # the agency's city, prefilled
    response = client.post(
        f"/orders/{on_agency.public_id}/delivery/",
        {**_delivery(), "method": "agency_courier"},
        HTTP_HOST="ar685.localhost",
    )
    assert response["Location"].endswith("/review/")
    on_agency.refresh_from_db()
    assert on_agency.delivery_method == "agency_courier"


def test_a_main_site_order_is_not_found_on_agency_sites_nor_by_another_customer(
    client, catalog, agency, other_agency, customer, stranger
):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    client.post(f"/orders/{order.public_id}/review/", HTTP_HOST="localhost")  # submitted, a payment
    before = snapshot(order)
    base = f"/orders/{order.public_id}"
    for host in ("ar685.localhost", "ar686.localhost"):
        for step in ("", "insured/", "details/", "documents/", "delivery/", "review/"):
            assert client.get(f"{base}/{step}", HTTP_HOST=host).status_code == 404, (host, step)
        assert client.post(f"{base}/insured/", INSURED, HTTP_HOST=host).status_code == 404
        assert client.post(f"{base}/pay/", HTTP_HOST=host).status_code == 404
        assert client.post(f"{base}/cancel/", HTTP_HOST=host).status_code == 404
        assert str(order.public_id) not in client.get("/account/", HTTP_HOST=host).content.decode()
    client.force_login(stranger)
    for step in ("", "insured/", "review/"):
        assert client.get(f"{base}/{step}", HTTP_HOST="localhost").status_code == 404
    assert client.post(f"{base}/insured/", INSURED, HTTP_HOST="localhost").status_code == 404
    assert client.post(f"{base}/review/", HTTP_HOST="localhost").status_code == 404
    assert client.post(f"{base}/pay/", HTTP_HOST="localhost").status_code == 404
    assert client.post(f"{base}/cancel/", HTTP_HOST="localhost").status_code == 404
    assert (
        str(order.public_id) not in client.get("/account/", HTTP_HOST="localhost").content.decode()
    )
    assert snapshot(order) == before
    assert (
        client.post(
            f"/orders/start/{order.quote.public_id}/", HTTP_HOST="ar685.localhost"
        ).status_code
        == 404
    )  # the quote was made on the main site


def test_the_step_pages_need_a_login(client, catalog, customer):
    client.force_login(customer)
    order = start_order(client)
    client.logout()
    response = client.get(f"/orders/{order.public_id}/insured/", HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    response = client.post(f"/orders/{order.public_id}/insured/", INSURED, HTTP_HOST="localhost")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.insured_first_name == "علی"


def test_the_bank_return_pays_the_order_without_a_session(client, catalog, agency, customer):
    client.force_login(customer)
    order = buy_until_review(client, "ar685.localhost")
    bank = _path(
        client.post(f"/orders/{order.public_id}/review/", HTTP_HOST="ar685.localhost")["Location"]
    )
    browser = Client()  # the bank's page on another domain: no session cookie comes back
    back = browser.post(bank, {"action": "pay"}, HTTP_HOST="localhost")["Location"]
    assert urlsplit(back).hostname == "ar685.localhost"
    result = browser.post(_path(back), HTTP_HOST="ar685.localhost")  # banks may POST back too
    assert _path(result["Location"]) == f"/orders/{order.public_id}/"
    order.refresh_from_db()
    assert order.state == "paid"
    payment = order.payments.get()
    assert payment.state == "succeeded" and payment.reference
    login = browser.get(f"/orders/{order.public_id}/", HTTP_HOST="ar685.localhost")
    assert login.status_code == 302 and login["Location"].startswith("/accounts/login/")
    page = client.get(f"/orders/{order.public_id}/", HTTP_HOST="ar685.localhost").content.decode()
    assert 'data-state="paid"' in page and 'id="order-paid"' in page
    from core.digits import to_persian_digits

    assert to_persian_digits(payment.reference) in page


def test_a_bank_that_is_down_sends_the_customer_back_with_the_order_payable(
    client, catalog, customer, bank_down, monkeypatch
):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    response = client.post(f"/orders/{order.public_id}/review/", HTTP_HOST="localhost")
    assert response["Location"] == f"/orders/{order.public_id}/"
    page = client.get(response["Location"], HTTP_HOST="localhost").content.decode()
    assert (
        fa("The payment gateway is not available right now. Please try again in a minute.") in page
    )
    assert 'id="order-pay"' in page
    order.refresh_from_db()
    assert order.state == "awaiting_payment"
    assert list(order.payments.values_list("state", flat=True)) == ["failed"]
    monkeypatch.undo()  # the bank is back
    page = pay(client, "localhost", order)
    order.refresh_from_db()
    assert order.state == "paid" and 'data-state="paid"' in page
    assert list(order.payments.order_by("attempt").values_list("state", flat=True)) == [
        "failed",
        "succeeded",
    ]


def test_a_bank_that_wants_a_post_gets_a_self_submitting_form(
    client, catalog, customer, bank_posts
):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    response = client.post(f"/orders/{order.public_id}/review/", HTTP_HOST="localhost")
    body = response.content.decode()
    payment = order.payments.get()
    assert response.status_code == 200
    assert re.search(r'<form method="post" action="http://localhost[^"]*/dev/bank/[^"]+"', body)
    assert f'name="RefId" value="{payment.token}"' in body
    assert 'name="MobileNo" value="09121112233"' in body
    assert 'id="bank-redirect" data-auto-submit>' in body
    assert '<script src="/static/js/auto-submit.js"></script>' in body  # no inline script (CSP)


def test_paying_a_draft_goes_to_the_review_and_a_cancelled_order_cannot_be_paid(
    client, catalog, customer
):
    client.force_login(customer)
    order = start_order(client)
    response = client.post(f"/orders/{order.public_id}/pay/", HTTP_HOST="localhost")
    assert response["Location"] == f"/orders/{order.public_id}/review/"
    review = client.get(response["Location"], HTTP_HOST="localhost").content.decode()
    assert fa("Some steps are not finished yet.") in review and 'id="confirm-pay"' not in review
    client.post(f"/orders/{order.public_id}/cancel/", HTTP_HOST="localhost")
    order.refresh_from_db()
    assert order.state == "cancelled"
    response = client.post(f"/orders/{order.public_id}/pay/", HTTP_HOST="localhost")
    page = client.get(response["Location"], HTTP_HOST="localhost").content.decode()
    assert 'data-state="cancelled"' in page and 'id="order-pay"' not in page
    assert order.payments.count() == 0


def test_the_account_lists_orders_policies_and_payments_of_this_site(
    client, catalog, agency, customer, stranger, insurer_operator
):
    from core.digits import to_persian_digits
    from policies.services.issuance import policy_issue

    client.force_login(stranger)
    theirs = buy_until_review(client, "localhost")
    client.force_login(customer)
    issued = buy_until_review(client, "localhost")
    pay(client, "localhost", issued, action="fail")
    pay(client, "localhost", issued)
    issued.refresh_from_db()
    policy = policy_issue(order=issued, actor=insurer_operator)
    waiting = buy_until_review(client, "localhost")
    client.post(f"/orders/{waiting.public_id}/review/", HTTP_HOST="localhost")
    draft = start_order(client)
    on_agency = buy_until_review(client, "ar685.localhost")

    page = client.get("/account/", HTTP_HOST="localhost").content.decode()
    orders = re.findall(r'data-order="([^"]+)" data-state="([^"]+)"', page)
    assert sorted(orders) == sorted(
        [
            (str(issued.public_id), "issued"),
            (str(waiting.public_id), "awaiting_payment"),
            (str(draft.public_id), "draft"),
        ]
    )
    assert str(theirs.public_id) not in page and str(on_agency.public_id) not in page
    assert f'href="/orders/{draft.public_id}/insured/"' in page  # continue where it was left
    assert f'action="/orders/{waiting.public_id}/pay/"' in page  # pay from the account
    assert f'href="/orders/{issued.public_id}/"' in page
    assert f'data-number="{policy.number}"' in page
    assert f'href="/policies/{policy.number}/pdf/"' in page
    reference = issued.payments.get(state="succeeded").reference
    assert to_persian_digits(reference) in page
    assert page.count('<tr data-payment="') == 3  # failed + paid, and the waiting order's attempt

    detail = client.get(f"/orders/{issued.public_id}/", HTTP_HOST="localhost").content.decode()
    assert 'id="order-issued"' in detail and 'id="policy-pdf"' in detail
    assert to_persian_digits(policy.number) in detail

    on_site = client.get("/account/", HTTP_HOST="ar685.localhost").content.decode()
    assert re.findall(r'data-order="([^"]+)"', on_site) == [str(on_agency.public_id)]
    assert policy.number not in on_site and '<tr data-payment="' not in on_site


def test_a_bad_date_and_a_bad_national_code_are_both_shown_at_once(client, catalog, customer):
    client.force_login(customer)
    order = start_order(client)
    before = snapshot(order)
    typed = {**INSURED, "national_code": "1111111112", "birth_date": "۱۳۷۰/۱۳/۴۰"}
    response = client.post(f"/orders/{order.public_id}/insured/", typed, HTTP_HOST="localhost")
    body = response.content.decode()
    assert response.status_code == 200
    assert fa("Enter a valid 10-digit national code.") in body
    assert fa("Enter a valid Jalali date, e.g. 1370/01/31.") in body
    assert fa("Enter the birth date.") not in body  # one message per field
    assert body.count('<div class="invalid-feedback">') == 2
    assert 'value="۱۳۷۰/۱۳/۴۰"' in body and 'value="مریم"' in body
    assert snapshot(order) == before


def test_a_paid_order_has_no_steps_left_to_change(client, catalog, customer):
    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    pay(client, "localhost", order)
    before = snapshot(order)
    detail = f"/orders/{order.public_id}/"
    for step in ("insured", "details", "documents", "delivery", "review"):
        response = client.get(f"{detail}{step}/", HTTP_HOST="localhost")
        assert (response.status_code, response["Location"]) == (302, detail), step
    assert client.post(f"{detail}insured/", INSURED, HTTP_HOST="localhost")["Location"] == detail
    assert client.post(f"{detail}review/", HTTP_HOST="localhost")["Location"] == detail
    response = client.post(f"{detail}pay/", HTTP_HOST="localhost")
    page = client.get(response["Location"], HTTP_HOST="localhost").content.decode()
    assert 'data-state="paid"' in page and 'id="order-pay"' not in page
    assert snapshot(order) == before


def test_an_order_resumed_after_its_delivery_date_passed_asks_for_a_new_date(
    client, catalog, customer
):
    import datetime as dt

    from django.utils import timezone

    from core.jalali import tehran

    client.force_login(customer)
    order = buy_until_review(client, "localhost")
    yesterday = timezone.localdate(timezone=tehran()) - dt.timedelta(days=1)
    Order.objects.filter(pk=order.pk).update(delivery_date=yesterday)
    client.logout()
    client.force_login(customer)  # back another day, in a new session
    account = client.get("/account/", HTTP_HOST="localhost").content.decode()
    assert f'href="/orders/{order.public_id}/delivery/"' in account
    response = client.post(f"/orders/{order.public_id}/review/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert fa("Some steps are not finished yet.") in response.content.decode()
    order.refresh_from_db()
    assert (order.state, order.delivery_date, order.payments.count()) == ("draft", yesterday, 0)
    assert client.post(f"/orders/{order.public_id}/delivery/", _delivery(), HTTP_HOST="localhost")[
        "Location"
    ].endswith("/review/")
    assert 'data-state="paid"' in pay(client, "localhost", order)


def test_the_account_page_costs_the_same_queries_for_more_orders(client, catalog, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(customer)

    def submitted() -> Order:
        order = buy_until_review(client, "localhost")
        client.post(f"/orders/{order.public_id}/review/", HTTP_HOST="localhost")  # a payment
        return order

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/account/", HTTP_HOST="localhost").status_code == 200
        return len(captured)

    submitted()
    one = queries()
    for _ in range(3):
        submitted()
    page = client.get("/account/", HTTP_HOST="localhost").content.decode()
    assert page.count('data-state="awaiting_payment"') == 4
    assert page.count('<tr data-payment="') == 4
    assert queries() == one

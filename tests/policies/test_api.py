"""The API covers what the pages do: lines, quotes, and the purchase steps of an order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from policies.models import Order
from policies.services.orders import delivery_dates
from tests.factories import create_user
from tests.files import png_bytes
from tests.policies.test_purchase_pages import DETAILS, QUOTE

pytestmark = pytest.mark.django_db
PNG = png_bytes()


def test_lines_and_their_questions(client, catalog):
    lines = client.get("/api/lines/", HTTP_HOST="localhost").json()
    assert [line["code"] for line in lines] == ["third_party", "motor_hull", "fire", "travel"]
    assert [q["code"] for q in lines[0]["questions"]][:2] == ["vehicle_group", "usage"]


def test_a_quote_through_the_api(client, catalog):
    response = client.post(
        "/api/quotes/",
        {"line": "third_party", "answers": QUOTE},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 201
    body = response.json()
    assert Decimal(body["premium"]) == Decimal(65_314_000)
    assert [item["code"] for item in body["breakdown"]] == ["base", "no_claim", "vat", "duties"]
    assert body["tariff_version"] == 1
    detail = client.get(f"/api/quotes/{body['id']}/", HTTP_HOST="localhost")
    assert detail.json()["premium"] == body["premium"]
    # Made on the main site: not there on an agency site.
    assert client.get(f"/api/quotes/{body['id']}/", HTTP_HOST="ar685.localhost").status_code == 404


def test_bad_answers_get_every_error_and_no_quote(client, catalog):
    from policies.models import Quote

    response = client.post(
        "/api/quotes/",
        {"line": "third_party", "answers": {"vehicle_group": "tank", "production_year": "۱۲۰۰"}},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 422
    assert {"vehicle_group", "production_year", "previous_insurer"} <= set(
        response.json()["fields"]
    )
    assert Quote.objects.count() == 0


def test_an_order_through_the_api(client, catalog, customer, agency):
    client.force_login(customer)
    quote = client.post(
        "/api/quotes/",
        {"line": "third_party", "answers": QUOTE},
        content_type="application/json",
        HTTP_HOST="localhost",
    ).json()
    created = client.post(
        "/api/orders/",
        {"quote": quote["id"]},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert created.status_code == 201
    order_id = created.json()["id"]
    base = f"/api/orders/{order_id}"
    assert created.json()["missing_steps"] == ["insured", "details", "documents", "delivery"]
    bad = client.put(
        f"{base}/insured/",
        {
            "first_name": "مریم",
            "last_name": "احمدی",
            "national_code": "1111111112",
            "birth_date": "1370/01/31",
            "mobile": "09121112233",
        },
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert bad.status_code == 422 and "national_code" in bad.json()["fields"]
    ok = client.put(
        f"{base}/insured/",
        {
            "first_name": "مریم",
            "last_name": "احمدی",
            "national_code": "0013542419",
            "birth_date": "۱۳۷۰/۰۱/۳۱",
            "mobile": "09121112233",
        },
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert ok.status_code == 200 and ok.json()["insured"]["birth_date"] == "1991-04-20"
    assert (
        client.put(
            f"{base}/details/",
            {"answers": DETAILS},
            content_type="application/json",
            HTTP_HOST="localhost",
        ).status_code
        == 200
    )
    upload = client.post(
        f"{base}/documents/",
        {"kind": "vehicle_card", "file": SimpleUploadedFile("c.png", PNG)},
        HTTP_HOST="localhost",
    )
    assert upload.status_code == 201
    wrong = client.post(
        f"{base}/documents/",
        {"kind": "vehicle_card", "file": SimpleUploadedFile("c.png", b"GIF89a")},
        HTTP_HOST="localhost",
    )
    assert wrong.status_code == 422
    delivery = client.put(
        f"{base}/delivery/",
        {"method": "in_person", "date": delivery_dates()[1].isoformat(), "slot": "12-15"},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert delivery.status_code == 200 and delivery.json()["missing_steps"] == []
    submitted = client.post(f"{base}/submit/", HTTP_HOST="localhost")
    assert submitted.json()["state"] == "awaiting_payment"
    pay = client.post(f"{base}/pay/", HTTP_HOST="localhost").json()
    assert "/dev/bank/" in pay["redirect_url"] and pay["method"] == "GET"
    assert Order.objects.get(public_id=order_id).payments.get().state == "started"
    # Another customer, or another site: 404.
    client.force_login(create_user())
    assert client.get(base + "/", HTTP_HOST="localhost").status_code == 404
    client.force_login(customer)
    assert client.get(base + "/", HTTP_HOST="ar685.localhost").status_code == 404


def test_the_orders_api_needs_a_login(client, catalog):
    assert client.get("/api/orders/", HTTP_HOST="localhost").status_code == 401


def test_api_quotes_are_answered_from_memory_and_stored_once(client, catalog):
    from policies.models import Quote, SalesEvent
    from policies.services.quotes import quote_flush

    ids = [
        client.post(
            "/api/quotes/",
            {"line": "third_party", "answers": QUOTE},
            content_type="application/json",
            HTTP_HOST="localhost",
        ).json()["id"]
        for _ in range(3)
    ]
    assert Quote.objects.count() == 0  # not written in the request
    # Reading one stores it at once (the quote page and "buy" need the row).
    assert client.get(f"/api/quotes/{ids[0]}/", HTTP_HOST="localhost").status_code == 200
    assert Quote.objects.count() == 1
    assert quote_flush() == 3
    assert quote_flush() == 0
    assert sorted(str(i) for i in Quote.objects.values_list("public_id", flat=True)) == sorted(ids)
    events = SalesEvent.objects.filter(event="quote_created")
    assert events.count() == 3
    assert {e.ip_address for e in events} == {"127.0.0.1"}
    assert all(Decimal(q.premium) == Decimal(65_314_000) for q in Quote.objects.all())


def test_a_catalog_change_is_priced_at_once(client, catalog):
    from pathlib import Path

    from policies.models import Line
    from policies.services.catalog import tariff_version_import

    line = Line.objects.get(code="travel")
    answers = {"zone": "schengen", "duration": "31", "age": "40"}

    def premium():
        return client.post(
            "/api/quotes/",
            {"line": "travel", "answers": answers},
            content_type="application/json",
            HTTP_HOST="localhost",
        ).json()["premium"]

    assert Decimal(premium()) == Decimal(10_010_000)
    text = (Path(__file__).resolve().parents[2] / "policies/tariffs/travel-v1.csv").read_text()
    tariff_version_import(
        line=line, text=text.replace("schengen|31=9100000", "schengen|31=9500000"), activate=True
    )
    assert Decimal(premium()) == Decimal(10_450_000)

"""Premium inquiry pages and API on the main site ("localhost") and agency 685's site."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest

from policies.models import AgencyLine, Line, Quote

pytestmark = pytest.mark.django_db

MAIN, AGENCY = "localhost", "ar685.localhost"
THIRD_PARTY = {
    "vehicle_group": "pride",
    "usage": "personal",
    "production_year": "۱۳۹۸",
    "previous_insurer": "iran",
    "no_claim_years": "3",
    "days_since_expiry": "0",
    "extra_cover": "none",
}
ALL_LINES = ["third_party", "motor_hull", "fire", "travel"]


def _codes(page: str) -> list[str]:
    return re.findall(r'data-line="([a-z_]+)"', page)


@pytest.fixture
def travel_blocked(catalog, agency):
    """Agency 685 may not sell travel insurance."""
    return AgencyLine.objects.create(
        agency=agency, line=Line.objects.get(code="travel"), allowed=False
    )


# --- pages -----------------------------------------------------------------------------


def test_the_lines_page_lists_what_each_site_sells(client, travel_blocked):
    main = client.get("/insurance/", HTTP_HOST=MAIN)
    assert main.status_code == 200
    assert _codes(main.content.decode()) == ALL_LINES
    assert "بیمه شخص ثالث" in main.content.decode()
    agency_page = client.get("/insurance/", HTTP_HOST=AGENCY).content.decode()
    assert _codes(agency_page) == ["third_party", "motor_hull", "fire"]
    assert client.get("/insurance/travel/", HTTP_HOST=AGENCY).status_code == 404
    assert client.get("/insurance/travel/", HTTP_HOST=MAIN).status_code == 200
    assert client.get("/insurance/boat/", HTTP_HOST=MAIN).status_code == 404


def test_home_pages_and_the_navbar_lead_to_the_premium_inquiry(client, agency):
    for host in (MAIN, AGENCY):
        page = client.get("/", HTTP_HOST=host).content.decode()
        assert re.search(r'<a [^>]*href="/insurance/" id="home-quote"', page), host
        assert re.search(r'href="/insurance/" id="nav-insurance"', page), host


def test_the_quote_form_is_built_from_the_questions(client, catalog):
    page = client.get("/insurance/third_party/", HTTP_HOST=MAIN).content.decode()
    assert page.count("<select") == 4  # vehicle group, usage, previous insurer, extra cover
    assert re.search(r'<select name="vehicle_group"[^>]*class="form-select"', page)
    assert '<option value="sedan6">سواری بیش از ۴ سیلندر</option>' in page
    hull = client.get("/insurance/motor_hull/", HTTP_HOST=MAIN).content.decode()
    assert (
        len(
            re.findall(
                r'<input type="checkbox" name="\w+" class="form-check-input" '
                r'role="switch"',
                hull,
            )
        )
        == 3
    )
    assert re.search(r'<input type="text" name="vehicle_value"[^>]*data-thousands="1"', hull)
    assert "ارزش خودرو (ریال)" in hull


def test_a_quote_from_the_form_shows_its_premium_breakdown_and_buy_button(client, catalog):
    response = client.post("/insurance/third_party/", THIRD_PARTY, HTTP_HOST=MAIN)
    assert response.status_code == 302
    public_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert response["Location"] == f"/quotes/{public_id}/"
    page = client.get(response["Location"], HTTP_HOST=MAIN).content.decode()
    assert '<span id="quote-premium">۶۵٬۳۱۴٬۰۰۰</span>' in page
    rows = re.findall(
        r'<tr data-code="(\w+)"><td>([^<]+)</td><td class="text-end">([^<]+)</td></tr>', page
    )
    assert rows == [
        ("base", "حق بیمه پایه", "۶۸٬۰۰۰٬۰۰۰"),
        ("no_claim", "تخفیف عدم خسارت", "-۱۰٬۲۰۰٬۰۰۰"),
        ("vat", "مالیات بر ارزش افزوده", "۵٬۷۸۰٬۰۰۰"),
        ("duties", "عوارض و سهم صندوق تأمین خسارت‌ها", "۱٬۷۳۴٬۰۰۰"),
    ]
    assert f'<form method="post" action="/orders/start/{public_id}/"' in page
    quote = Quote.objects.get(public_id=public_id)
    assert (quote.premium, quote.agency) == (Decimal(65_314_000), None)
    # Made on the main site: the agency site does not show it.
    assert client.get(f"/quotes/{public_id}/", HTTP_HOST=AGENCY).status_code == 404
    assert client.get(f"/quotes/{uuid.uuid4()}/", HTTP_HOST=MAIN).status_code == 404


def test_change_answers_starts_from_the_previous_quote(client, catalog):
    location = client.post("/insurance/third_party/", THIRD_PARTY, HTTP_HOST=MAIN)["Location"]
    public_id = location.rstrip("/").rsplit("/", 1)[1]
    page = client.get(f"/insurance/third_party/?from={public_id}", HTTP_HOST=MAIN).content.decode()
    assert re.search(r'name="production_year" value="۱۳۹۸"', page)
    assert '<option value="iran" selected>' in page


def test_bad_input_keeps_every_value_and_shows_persian_errors_by_each_field(client, catalog):
    answers = {**THIRD_PARTY, "vehicle_group": "", "production_year": "۱۳۰۰", "no_claim_years": "x"}
    response = client.post("/insurance/third_party/", answers, HTTP_HOST=MAIN)
    assert response.status_code == 200
    page = response.content.decode()
    errors = dict(
        re.findall(
            r'name="(\w+)"[^>]*class="[^"]*is-invalid[^"]*"[^>]*>.*?'
            r'<div class="invalid-feedback(?: d-block)?">([^<]+)</div>',
            page,
            flags=re.S,
        )
    )
    assert errors == {
        "vehicle_group": "این فیلد الزامی است.",
        "production_year": "دست‌کم ۱۳۶۰ وارد کنید.",
        "no_claim_years": "یک عدد صحیح وارد کنید.",
    }
    assert 'value="۱۳۰۰"' in page and 'name="no_claim_years" value="x"' in page
    assert '<option value="iran" selected>' in page
    assert Quote.objects.count() == 0


def test_an_agency_quote_belongs_to_the_agency(client, agency, travel_blocked):
    response = client.post("/insurance/third_party/", THIRD_PARTY, HTTP_HOST=AGENCY)
    public_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert client.get(f"/quotes/{public_id}/", HTTP_HOST=AGENCY).status_code == 200
    assert Quote.objects.get(public_id=public_id).agency == agency
    assert client.get(f"/quotes/{public_id}/", HTTP_HOST=MAIN).status_code == 404
    blocked = client.post(
        "/insurance/travel/", {"zone": "asia", "duration": "7", "age": "30"}, HTTP_HOST=AGENCY
    )
    assert blocked.status_code == 404
    assert Quote.objects.count() == 1


# --- API -------------------------------------------------------------------------------


def _post(client, body, host=MAIN):
    return client.post("/api/quotes/", body, content_type="application/json", HTTP_HOST=host)


def test_api_lines_are_the_sites_lines_with_their_quote_questions(
    client, travel_blocked, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        main = client.get("/api/lines/", HTTP_HOST=MAIN).json()
    assert [line["code"] for line in main] == ALL_LINES
    travel = main[3]
    assert travel["name"] == "بیمه مسافرتی"
    assert [q["code"] for q in travel["questions"]] == ["zone", "duration", "age"]  # no details
    assert travel["questions"][0]["choices"][2] == {"value": "schengen", "label": "اروپا (شینگن)"}
    assert travel["questions"][2]["min_value"] == "0"
    agency_lines = client.get("/api/lines/", HTTP_HOST=AGENCY).json()
    assert [line["code"] for line in agency_lines] == ["third_party", "motor_hull", "fire"]


def test_api_lines_query_count_does_not_grow_with_lines(client, catalog, django_assert_num_queries):
    client.get("/api/lines/", HTTP_HOST=MAIN)  # warm the host lookup
    # The tenant's search_path, the lines, their questions: the same for 1 line or 4.
    with django_assert_num_queries(3):
        assert len(client.get("/api/lines/", HTTP_HOST=MAIN).json()) == 4
    Line.objects.exclude(code="fire").update(is_active=False)
    with django_assert_num_queries(3):
        assert len(client.get("/api/lines/", HTTP_HOST=MAIN).json()) == 1


def test_api_quote_with_persian_digits_gives_the_full_answer(client, catalog):
    response = _post(
        client,
        {
            "line": "motor_hull",
            "answers": {
                "vehicle_value": "۸۰۰٬۰۰۰٬۰۰۰",
                "production_year": "۱۳۹۲",
                "natural_disasters": True,
                "no_claim_years": "0",
            },
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {
        "id",
        "line",
        "premium",
        "breakdown",
        "term_days",
        "tariff_version",
        "expires_at",
    }
    assert body["line"] == "motor_hull" and body["tariff_version"] == 1
    assert body["term_days"] == 365
    assert body["premium"] == "13552000"
    assert [(i["code"], i["amount"]) for i in body["breakdown"]] == [
        ("base", "9600000"),
        ("vehicle_age", "1920000"),
        ("natural_disasters", "800000"),
        ("vat", "1232000"),
    ]
    detail = client.get(f"/api/quotes/{body['id']}/", HTTP_HOST=MAIN).json()
    assert detail["premium"] == "13552000" and detail["expires_at"] is not None
    assert client.get(f"/api/quotes/{uuid.uuid4()}/", HTTP_HOST=MAIN).status_code == 404


def test_api_quote_errors_are_persian_per_field(client, catalog):
    response = _post(
        client, {"line": "fire", "answers": {"building_type": "wood", "area": "۱۰", "flood": "?"}}
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "building_type": ["یکی از گزینه‌ها را انتخاب کنید."],
        "area": ["دست‌کم ۲۰ وارد کنید."],
        "cost_per_m2": ["این فیلد الزامی است."],
        "flood": ["بله یا خیر را انتخاب کنید."],
    }
    unknown = _post(client, {"line": "boat", "answers": {}})
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {"line": ["این بیمه در این سایت فروخته نمی‌شود."]}
    assert _post(client, {"answers": {}}).status_code == 400
    assert Quote.objects.count() == 0


def test_api_refuses_a_line_the_agency_does_not_sell(client, travel_blocked):
    answers = {"zone": "asia", "duration": "7", "age": "30"}
    refused = _post(client, {"line": "travel", "answers": answers}, host=AGENCY)
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"line": ["این بیمه در این سایت فروخته نمی‌شود."]}
    assert _post(client, {"line": "travel", "answers": answers}).status_code == 201


def test_a_warm_api_quote_reads_no_database_row(client, catalog, django_assert_num_queries):
    body = {"line": "third_party", "answers": THIRD_PARTY}
    assert _post(client, body).status_code == 201  # loads the catalog snapshot and the host
    with django_assert_num_queries(0):
        assert _post(client, body).json()["premium"] == "65314000"

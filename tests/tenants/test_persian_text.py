"""Persian text and numbers in the agency panel, the ops control pages, the agency API and
the admin (decision 020): stored in one spelling, found in any."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from tenants.content.models import Page, SiteSettings
from tenants.models import Agency, ControlRequest
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL, OPS = "panel.localhost", "ops.localhost"
RLM, ZWNJ = "\u200f", "\u200c"
SETTINGS = {
    "phone": "021-22223333",
    "address": "تهران، خیابان شريعتي",
    "city": "تهران",
    "province": "تهران",
    "latitude": "35.750000",
    "longitude": "51.450000",
    "accepts_referrals": "on",
}


@pytest.fixture
def owner(client, agency):
    client.force_login(agency.memberships.get(role="owner").user)
    return client


def test_map_coordinates_typed_with_the_persian_decimal_sign_are_stored_exactly(owner, agency):
    page = owner.get("/settings/", HTTP_HOST=PANEL).content.decode()
    latitude_input = re.search(r"<input[^>]*name=\"latitude\"[^>]*>", page).group(0)
    # A text box: a browser empties a number box holding "۳۵٫۷" and the form said "required".
    assert 'type="text"' in latitude_input and 'inputmode="decimal"' in latitude_input

    response = owner.post(
        "/settings/",
        {**SETTINGS, "latitude": "۳۵٫۷۵۱۲۳۴", "longitude": f"{RLM}٥١٫٤٥٠٠٠١{RLM}"},
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.latitude, agency.longitude) == (Decimal("35.751234"), Decimal("51.450001"))


def test_a_number_that_cannot_be_read_for_sure_is_refused_and_nothing_changes(owner, agency):
    response = owner.post("/settings/", {**SETTINGS, "latitude": "35,75"}, HTTP_HOST=PANEL)
    assert response.status_code == 400
    agency.refresh_from_db()
    assert agency.latitude == Decimal("35.700000")


def test_the_agencys_address_and_places_are_stored_in_one_spelling(owner, agency):
    owner.post(
        "/settings/",
        {
            **SETTINGS,
            "address": f"{RLM}كرج،  خيابان   {ZWNJ}بهار\r\nپلاك ٤",
            "city": "كرج",
            "province": "البرز ",
        },
        HTTP_HOST=PANEL,
    )
    agency.refresh_from_db()
    assert (agency.address, agency.city, agency.province) == (
        "کرج، خیابان بهار پلاک ۴",
        "کرج",
        "البرز",
    )


def test_site_texts_and_html_are_normalised_and_the_markup_kept(owner, agency):
    response = owner.post(
        "/content/",
        {
            "headline": f"{RLM}بيمه  با ما",
            "about_text": '<p>از ١٣٨٠  در كنار شما</p>\r\n<p><a href="/services/">خدمات ما</a></p>',
            "contact_text": "",
            "primary_color": "#0d6efd",
            "secondary_color": "#6c757d",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with schema_context(agency.schema_name):
        stored = SiteSettings.objects.get()
        assert stored.headline == "بیمه با ما"
        assert stored.about_text == (
            '<p>از ۱۳۸۰ در کنار شما</p>\n<p><a href="/services/" rel="noopener noreferrer">'
            "خدمات ما</a></p>"
        )
    response = owner.post(
        "/content/pages/add/",
        {
            "title": "درباره ما  ",
            "slug": "about-us",
            "body": "<p>ما كه هستيم؟</p>",
            "position": "0",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with schema_context(agency.schema_name):
        assert Page.objects.values_list("title", "body").get(slug="about-us") == (
            "درباره ما",
            "<p>ما که هستیم؟</p>",
        )


# ---- ops: site and line requests -----------------------------------------------------------


def test_a_control_request_reason_is_free_text_and_the_agency_code_any_digits(client, agency):
    client.force_login(create_user(insurer_role="branch_manager"))
    response = client.post(
        "/control/",
        {
            "agency": f"{RLM}۶۸۵",
            "kind": "site_off",
            "reason": "بدهي معوق  به بيمه\u200cگر\r\n\r\n\r\nپيگيري شود",
        },
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    request = ControlRequest.objects.get()
    assert request.agency == agency
    # (The service writes a reason on one line: it goes into an SMS.)
    assert request.reason == "بدهی معوق به بیمه\u200cگر پیگیری شود"

    listed = client.get("/control/", {"agency": f"{RLM}٦٨٥"}, HTTP_HOST=OPS).content.decode()
    assert "بدهی معوق" in listed


# ---- API and admin ------------------------------------------------------------------------


def test_the_agency_api_stores_names_and_places_in_one_spelling(client, db):
    client.force_login(create_user(insurer_role="operator"))
    response = client.post(
        "/api/agencies/",
        {
            "code": 777,
            "name": f"{RLM}نمايندگي  كريمي",
            "kind": "agent",
            "latitude": "35.7",
            "longitude": "51.4",
            "owner_mobile": "09121239999",
            "city": "كرج",
            "address": "خيابان اول",
        },
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 201, response.content
    agency = Agency.objects.get(code=777)
    assert (agency.name, agency.city, agency.address) == ("نمایندگی کریمی", "کرج", "خیابان اول")
    assert response.json()["name"] == "نمایندگی کریمی"


def test_a_blank_looking_name_is_blank_to_the_api(client, db):
    client.force_login(create_user(insurer_role="operator"))
    response = client.post(
        "/api/agencies/",
        {
            "code": 778,
            "name": f"{RLM}{ZWNJ}",
            "kind": "agent",
            "latitude": "35.7",
            "longitude": "51.4",
            "owner_mobile": "09121238888",
        },
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 400
    assert "name" in response.json()["fields"]
    assert not Agency.objects.filter(code=778).exists()


@pytest.mark.parametrize("query", ["كرج", "کرج", "نمايندگي كرج", "۹۰۱"])
def test_the_agency_admin_search_finds_any_spelling(client, agency_factory, query):
    karaj = agency_factory(code=901, name="نمایندگی کرج", city="کرج")
    agency_factory(code=902, name="نمایندگی تهران", city="تهران")
    client.force_login(create_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/tenants/agency/", {"q": query}, HTTP_HOST=OPS).content.decode()
    assert f"/admin/tenants/agency/{karaj.pk}/change/" in page
    assert "نمایندگی تهران" not in page

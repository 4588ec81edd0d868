"""Persian text in the sale (decision 020): what the buyer and the staff type is stored in one
spelling, numbers and dates are read through direction marks, and every search box finds
a row however the stored and the typed text spell ي/ك, digits and half-spaces."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from core.jalali import format_jalali_date
from policies.models import Line, Order, Policy, Quote, SalesEvent, SalesPlan
from tests.factories import create_user
from tests.policies.fixtures_purchase import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_sales import make_order
from tests.policies.test_orders_api import INSURED, api_order, put
from tests.policies.test_purchase_pages import DETAILS, QUOTE, _delivery, start_order

pytestmark = pytest.mark.django_db

PANEL, OPS = "panel.localhost", "ops.localhost"
RLM, LRM, ZWNJ = "\u200f", "\u200e", "\u200c"


# ---- the purchase pages and the API ---------------------------------------------------------


def test_quote_numbers_typed_with_direction_marks_and_persian_separators(client, catalog):
    response = client.post(
        "/insurance/third_party/",
        {**QUOTE, "production_year": f"{RLM}۱۳۹۸{RLM}"},
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302
    quote_path = response["Location"]
    assert client.get(quote_path, HTTP_HOST="localhost").status_code == 200  # stores the quote
    quote = Quote.objects.get(public_id=quote_path.rstrip("/").rsplit("/", 1)[1])
    assert quote.answers["production_year"] == 1398


def test_the_buyer_s_names_details_and_address_are_stored_in_one_spelling(
    client, catalog, customer
):
    client.force_login(customer)
    order = start_order(client)
    base = f"/orders/{order.public_id}"
    response = client.post(
        f"{base}/insured/",
        {
            "first_name": f"{RLM}علي‌‌رضا ",
            "last_name": "كاظمي  نيا",
            "national_code": "۰۰۱۳۵۴۲۴۱۹",
            "birth_date": f"{RLM}۱۳۷۰/۰۱/۳۱{RLM}",
            "mobile": "09121112233",
        },
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    response = client.post(
        f"{base}/details/",
        {**DETAILS, "plate_number": f"{RLM}۱۲ب۳۴۵-۶۷{LRM}"},  # pasted from a Persian page
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302
    client.post(
        f"{base}/delivery/",
        {**_delivery(), "city": "كرج", "address": f"خيابان  {ZWNJ}ولي\u200cعصر،\r\nپلاك ١٢"},
        HTTP_HOST="localhost",
    )
    order.refresh_from_db()
    assert (order.insured_first_name, order.insured_last_name) == ("علی\u200cرضا", "کاظمی نیا")
    assert order.insured_birth_date == dt.date(1991, 4, 20)
    assert order.details["plate_number"] == "12ب345-67"
    assert (order.delivery_city, order.delivery_address) == (
        "کرج",
        "خیابان ولی\u200cعصر، پلاک ۱۲",
    )


def test_the_orders_api_stores_names_and_places_in_one_spelling(client, catalog, customer):
    client.force_login(customer)
    order_id = api_order(client, "localhost")
    response = put(
        client,
        f"/api/orders/{order_id}/insured/",
        {**INSURED, "first_name": f"{RLM}مريم", "last_name": "كريمي"},
        "localhost",
    )
    assert response.status_code == 200
    assert (response.json()["insured"]["first_name"], response.json()["insured"]["last_name"]) == (
        "مریم",
        "کریمی",
    )
    order = Order.objects.get(public_id=order_id)
    assert (order.insured_first_name, order.insured_last_name) == ("مریم", "کریمی")


# ---- the panel's searches -------------------------------------------------------------------


@pytest.fixture
def owner_client(client, agency):
    client.force_login(agency.memberships.get().user)
    return client


def customers_found(client, query: str) -> set[int]:
    html = client.get("/customers/", {"q": query}, HTTP_HOST=PANEL).content.decode()
    return {int(pk) for pk in re.findall(r'href="/customers/(\d+)/"', html)}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("علي", {"ali", "seyyed"}),  # Arabic yeh typed, Persian stored
        ("علی", {"ali", "seyyed"}),
        ("كاظم", {"kazem", "kazemi"}),  # Arabic kaf typed, Persian stored
        ("کاظم", {"kazem", "kazemi"}),
        ("كاظمي", {"kazemi"}),
        ("رضایی", {"rezaei"}),  # stored with Arabic letters by an old version, typed in Persian
        ("رضايي", {"rezaei"}),
        ("زهرا رضایی", {"rezaei"}),
        ("۰۹۳۵۱۱۱", {"kazem"}),  # Persian digits find a Latin-stored mobile
        ("٠٩٣٥١١١", {"kazem"}),
        (f"{RLM}0935111", {"kazem"}),
        ("سید\u200cعلی", {"seyyed"}),  # half-space typed, space stored
        ("سیدعلی", {"seyyed"}),
        ("کاظمی علی", set()),
    ],
)
def test_customer_search_finds_any_spelling(owner_client, agency, query, found):
    people = {
        "ali": create_user(first_name="علی", last_name="محمدی", signup_agency=agency),
        "kazem": create_user(
            first_name="کاظم", last_name="نوری", mobile="09351112233", signup_agency=agency
        ),
        "kazemi": create_user(first_name="مریم", last_name="کاظمی", signup_agency=agency),
        "rezaei": create_user(first_name="زهرا", last_name="x", signup_agency=agency),
        "seyyed": create_user(first_name="سید علی", last_name="موسوی", signup_agency=agency),
    }
    with connection.cursor() as cursor:  # as stored before names were normalised
        cursor.execute(
            "UPDATE accounts_user SET last_name = %s WHERE id = %s", ["رضايي", people["rezaei"].pk]
        )
    assert customers_found(owner_client, query) == {people[name].pk for name in found}


def test_the_sales_search_reads_a_pasted_policy_number(
    owner_client, agency, line, tariff, customer
):
    issued = make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="issued")
    Policy.objects.create(
        order=issued,
        number="1405-99-000777",
        line=line,
        jalali_year=1405,
        sequence=777,
        agency=agency,
        customer=customer,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 1, 1),
        premium=issued.premium,
        tariff_version=tariff,
        verification_code="PERSIAN001",
    )
    html = owner_client.get(
        "/sales/", {"q": f"{RLM}۱۴۰۵-۹۹-۰۰۰۷۷۷{LRM} "}, HTTP_HOST=PANEL
    ).content.decode()
    assert set(re.findall(r'href="/sales/([0-9a-f-]{36})/"', html)) == {str(issued.public_id)}


# ---- ops ------------------------------------------------------------------------------------


def test_the_sales_record_reads_pasted_order_and_agency_numbers(client, agency, line, tariff):
    order = make_order(line=line, tariff=tariff, customer=create_user(), agency=agency)
    SalesEvent.objects.create(order=order, agency=agency, event="order_created")
    client.force_login(create_user(insurer_role="operator"))
    html = client.get(
        "/sales-record/",
        {
            "order": f"{RLM}{order.number}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
            "agency": f"{RLM}٦٨٥",
        },
        HTTP_HOST=OPS,
    ).content.decode()
    assert "invalid-feedback" not in html
    assert html.count("order_created") >= 1 and str(order.public_id) in html


def test_a_rejection_reason_is_stored_in_one_spelling(client, line, tariff, customer):
    order = make_order(line=line, tariff=tariff, customer=customer, state="paid")
    client.force_login(create_user(insurer_role="operator"))
    response = client.post(
        f"/issuance/{order.public_id}/reject/",
        {"reason": f"{RLM}مدارك  ناقص است؛ لطفاً كارت خودرو را بفرستيد"},
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.rejection_reason == "مدارک ناقص است؛ لطفاً کارت خودرو را بفرستید"


def test_a_sales_plan_title_and_a_discount_with_the_persian_decimal_sign(client, catalog):
    client.force_login(create_user(insurer_role="marketing"))
    first = timezone.localdate() + dt.timedelta(days=20)
    response = client.post(
        "/plans/",
        {
            "title": "جشنواره  پاييزي",
            "discount_percent": "۱۲٫۵",
            "lines": [Line.objects.get(code="third_party").pk],
            "agencies": "",
            "starts_on": format_jalali_date(first),
            "ends_on": format_jalali_date(first + dt.timedelta(days=9)),
        },
        HTTP_HOST=OPS,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = SalesPlan.objects.get()
    assert (plan.title, plan.discount_percent) == ("جشنواره پاییزی", Decimal("12.50"))


@pytest.mark.parametrize("query", ["۱۴۰۵-۹۹", f"{RLM}1405-99-000778"])
def test_the_policy_admin_search_reads_persian_digits(
    client, agency, line, tariff, customer, query
):
    issued = make_order(line=line, tariff=tariff, customer=customer, agency=agency, state="issued")
    policy = Policy.objects.create(
        order=issued,
        number="1405-99-000778",
        line=line,
        jalali_year=1405,
        sequence=778,
        agency=agency,
        customer=customer,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 1, 1),
        premium=issued.premium,
        tariff_version=tariff,
        verification_code="PERSIAN002",
    )
    client.force_login(create_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/policies/policy/", {"q": query}, HTTP_HOST=OPS).content.decode()
    assert f"/admin/policies/policy/{policy.pk}/change/" in page

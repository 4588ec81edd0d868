"""Caller lookup (S-6.5; issue 12, item 4): the panel's page and the telephony endpoint
with a token per agency. Every phone form finds the customer, every lookup is a contact,
a wrong token is 401, a stopped agency 403, and agency B's token never finds A's customer."""

from __future__ import annotations

import hashlib
import re

import pytest

from accounts.models import AgencyMembership
from core.models import AuditLog
from crm.models import ContactLog, CrmSettings, Customer
from tenants.models import Agency
from tenants.services import agency_set_status
from tests.crm.conftest import inside, owner_of
from tests.crm.test_panel_customers import PANEL, make
from tests.factories import create_user

pytestmark = pytest.mark.django_db

FORMS = [
    "09121112233",
    "+989121112233",
    "00989121112233",
    "9121112233",
    "989121112233",
    "۰۹۱۲۱۱۱۲۲۳۳",
    "٠٩١٢١١١٢٢٣٣",
    "0912 111 2233",
    "+98 (912) 111-2233",
]


@pytest.fixture
def owner_client(client, agency):
    client.force_login(owner_of(agency))
    return client


def contacts(agency) -> list[tuple]:
    with inside(agency):
        return list(
            ContactLog.objects.order_by("id").values_list(
                "customer_id", "phone", "channel", "direction", "by_user_id", "via"
            )
        )


@pytest.mark.parametrize("typed", FORMS)
def test_the_page_opens_the_card_for_every_form_of_the_number(owner_client, agency, typed):
    customer = make(agency, phones=["09121112233"])
    response = owner_client.get("/crm/lookup/", {"phone": typed}, HTTP_HOST=PANEL)
    assert response.status_code == 302
    assert response["Location"] == f"/crm/customers/{customer.pk}/"
    owner = owner_of(agency)
    assert contacts(agency) == [(customer.pk, "09121112233", "lookup", "in", owner.pk, "")]


def test_a_landline_with_or_without_the_agencys_area_code(owner_client, agency):
    customer = make(agency, phones=["02188776655"])
    with inside(agency):
        CrmSettings.objects.filter(pk=1).update(default_area_code="021")
    for typed in ("02188776655", "+98 21 8877 6655", "۸۸۷۷۶۶۵۵"):
        response = owner_client.get("/crm/lookup/", {"phone": typed}, HTTP_HOST=PANEL)
        assert response["Location"] == f"/crm/customers/{customer.pk}/", typed


def test_an_unknown_number_offers_to_register_it_as_a_prospect(owner_client, agency):
    page = owner_client.get("/crm/lookup/", {"phone": "۰۹۳۵ ۱۲۳ ۴۵۶۷"}, HTTP_HOST=PANEL)
    html = page.content.decode()
    assert 'id="crm-lookup-none"' in html
    link = (
        re.search(r'href="([^"]+)" id="crm-lookup-register"', html).group(1).replace("&amp;", "&")
    )
    assert link == "/crm/customers/new/?phone=09351234567&from_lookup=1"
    assert contacts(agency) == [(None, "09351234567", "lookup", "in", owner_of(agency).pk, "")]
    form = owner_client.get(link, HTTP_HOST=PANEL).content.decode()
    assert 'value="۰۹۳۵۱۲۳۴۵۶۷"' in form or 'value="09351234567"' in form
    assert 'name="from_lookup" value="1"' in form
    response = owner_client.post(
        link,
        {
            "party": "person",
            "last_name": "تماس‌گیرنده",
            "mobile": "09351234567",
            "preferred_channel": "phone",
            "from_lookup": "1",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        prospect = Customer.objects.get()
    assert (prospect.kind, prospect.source, prospect.mobile) == (
        "prospective",
        "lookup",
        "09351234567",
    )


def test_several_holders_are_listed_and_nonsense_is_refused_without_a_contact(owner_client, agency):
    first = make(agency, first="اول", last="یکم", phones=["09121112233"])
    second = make(agency, first="دوم", last="دومی", phones=["09121112233"])
    html = owner_client.get(
        "/crm/lookup/", {"phone": "09121112233"}, HTTP_HOST=PANEL
    ).content.decode()
    assert (
        f'href="/crm/customers/{first.pk}/"' in html
        and f'href="/crm/customers/{second.pk}/"' in html
    )
    refused = owner_client.get("/crm/lookup/", {"phone": "12ab"}, HTTP_HOST=PANEL).content.decode()
    assert 'id="crm-lookup-error"' in refused and "شماره تلفن معتبر" in refused
    assert len(contacts(agency)) == 1


# ---- the telephony endpoint ------------------------------------------------------------------


def make_token(client, agency) -> str:
    client.force_login(owner_of(agency))
    html = client.post("/crm/telephony/", HTTP_HOST=PANEL).content.decode()
    return re.search(r'id="crm-telephony-token-value">([^<]+)<', html).group(1)


def ask(client, token: str | None, phone: str, method: str = "get", **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return getattr(client, method)(
        "/api/crm/lookup", {"phone": phone}, HTTP_HOST=PANEL, **headers, **extra
    )


def test_the_token_is_shown_once_and_only_its_hash_is_kept(client, agency):
    token = make_token(client, agency)
    assert token.startswith(f"{agency.code}.") and len(token) > 40
    with inside(agency):
        settings = CrmSettings.objects.get()
    assert settings.telephony_token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = client.get("/crm/telephony/", HTTP_HOST=PANEL).content.decode()
    assert token not in again and 'id="crm-telephony-state"' in again
    assert AuditLog.objects.filter(action="crm_settings.telephony_token_created").count() == 1


@pytest.mark.parametrize("typed", FORMS)
def test_the_endpoint_answers_every_form_with_the_card(client, agency, typed):
    import datetime as dt
    from decimal import Decimal

    from crm.models import Case, Instrument

    customer = make(agency, first="کاوه", last="آهنگر", phones=["09121112233"])
    with inside(agency):
        Case.objects.create(customer=customer, kind="sale", title="فروش")
        Case.objects.create(customer=customer, kind="sale", title="بسته", state="done")
        for amount in ("1000", "2500"):
            Instrument.objects.create(
                customer=customer,
                kind="cheque",
                amount=Decimal(amount),
                due_date=dt.date(2027, 1, 1),
            )
    token = make_token(client, agency)
    client.logout()
    response = ask(client, token, typed)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "09121112233" and body["found"] is True
    assert body["customers"] == [
        {
            "id": customer.pk,
            "name": "کاوه آهنگر",
            "kind": "prospective",
            "rank_band": None,
            "open_cases": 1,
            "cheques_due": 2,
            "cheques_due_amount": "3500",
            "card_url": f"http://{PANEL}/crm/customers/{customer.pk}/",
        }
    ]
    assert contacts(agency) == [(customer.pk, "09121112233", "lookup", "in", None, "telephony")]


def test_post_and_the_other_token_headers_work_too(client, agency):
    customer = make(agency, phones=["09121112233"])
    token = make_token(client, agency)
    client.logout()
    assert (
        ask(client, token, "09121112233", method="post").json()["customers"][0]["id"] == customer.pk
    )
    by_header = client.get(
        "/api/crm/lookup", {"phone": "09121112233"}, HTTP_HOST=PANEL, HTTP_X_TELEPHONY_TOKEN=token
    )
    assert by_header.status_code == 200
    by_query = client.get(
        "/api/crm/lookup", {"phone": "09121112233", "token": token}, HTTP_HOST=PANEL
    )
    assert by_query.status_code == 200
    unknown = ask(client, token, "09350000000").json()
    assert unknown["found"] is False and unknown["register_url"].endswith(
        "phone=09350000000&from_lookup=1"
    )
    assert ask(client, token, "xyz").status_code == 400


def test_a_wrong_or_missing_token_is_401_and_logs_nothing(client, agency):
    make(agency, phones=["09121112233"])
    token = make_token(client, agency)
    client.logout()
    for wrong in (token + "x", f"{agency.code}.nothing", "garbage", "999.abc", token.split(".")[1]):
        assert ask(client, wrong, "09121112233").status_code == 401, wrong
    assert ask(client, None, "09121112233").status_code == 401
    assert contacts(agency) == []


def test_rotating_the_token_stops_the_old_one_and_revoking_stops_all(client, agency):
    make(agency, phones=["09121112233"])
    old = make_token(client, agency)
    new = make_token(client, agency)
    assert old != new
    assert ask(client, old, "09121112233").status_code == 401
    assert ask(client, new, "09121112233").status_code == 200
    assert AuditLog.objects.filter(action="crm_settings.telephony_token_rotated").count() == 1
    client.post("/crm/telephony/", {"action": "revoke"}, HTTP_HOST=PANEL)
    assert ask(client, new, "09121112233").status_code == 401


def test_agency_bs_token_never_finds_agency_as_customer(client, agency, other_agency):
    make(agency, first="محرمانه", last="الف", phones=["09121112233"])
    token_b = make_token(client, other_agency)
    client.logout()
    body = ask(client, token_b, "09121112233").json()
    assert body["found"] is False and "محرمانه" not in str(body)
    # Agency B's code with agency A's secret, or the other way round, is no token at all.
    token_a = make_token(client, agency)
    client.logout()
    mixed = f"{other_agency.code}.{token_a.split('.', 1)[1]}"
    assert ask(client, mixed, "09121112233").status_code == 401
    assert contacts(agency) == []


@pytest.mark.parametrize("status", [Agency.Status.SUSPENDED, Agency.Status.PENDING])
def test_a_stopped_agencys_token_is_refused_with_the_reason(client, agency, status):
    make(agency, phones=["09121112233"])
    token = make_token(client, agency)
    client.logout()
    agency_set_status(agency=agency, status=status, actor=None, reason="بازرسی")
    response = ask(client, token, "09121112233")
    assert response.status_code == 403 and response.json()["status"] == status
    assert "نمایندگی شما" in response.json()["detail"]
    assert contacts(agency) == []


def test_a_member_may_ask_without_a_token_and_staff_cannot_make_tokens(client, agency):
    customer = make(agency, phones=["09121112233"])
    staff = create_user()
    AgencyMembership.objects.create(agency=agency, user=staff, role=AgencyMembership.Role.STAFF)
    client.force_login(staff)
    body = ask(client, None, "09121112233").json()
    assert body["customers"][0]["id"] == customer.pk
    assert contacts(agency)[0][4] == staff.pk
    assert client.get("/crm/telephony/", HTTP_HOST=PANEL).status_code == 403
    assert client.post("/crm/telephony/", HTTP_HOST=PANEL).status_code == 403
    with inside(agency):
        assert CrmSettings.objects.get().telephony_token_hash == ""


def test_the_endpoint_makes_as_many_queries_for_one_holder_as_for_five(client, agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(agency, first="اول", last="دارنده", phones=["09121112233"])
    token = make_token(client, agency)
    client.logout()
    ask(client, token, "09121112233")  # warm
    with CaptureQueriesContext(connection) as one:
        assert ask(client, token, "09121112233").status_code == 200
    for n in range(4):
        make(agency, first="دارنده", last=f"دیگر {n}", phones=["09121112233"])
    with CaptureQueriesContext(connection) as five:
        assert len(ask(client, token, "09121112233").json()["customers"]) == 5
    assert len(five) == len(one) <= 12


def test_a_lookup_shows_on_the_customers_card(owner_client, agency):
    customer = make(agency, phones=["09121112233"])
    owner_client.get("/crm/lookup/", {"phone": "09121112233"}, HTTP_HOST=PANEL)
    html = owner_client.get(f"/crm/customers/{customer.pk}/", HTTP_HOST=PANEL).content.decode()
    assert 'data-timeline="contact"' in html and "شناسایی تماس‌گیرنده" in html

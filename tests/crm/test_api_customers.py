"""The CRM's customers through the API (decision 033): list, register, card, change, contact
points — in the member's agency's schema, on decision 017's contract."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AgencyMembership
from core.models import AuditLog
from crm.models import (
    BookPolicy,
    Case,
    Customer,
    CustomerAddress,
    CustomerEmail,
    CustomerPhone,
    CustomerRank,
    Instrument,
    Region,
)
from crm.services.customers import customer_create
from crm.services.relations import customer_group_add, customer_group_create, customer_relation_add
from tests.crm.api_support import Api, national_code
from tests.crm.conftest import crm_state, inside
from tests.factories import create_user

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/crm/customers/"


def make(agency, actor, **fields) -> Customer:
    fields.setdefault("first_name", "علی")
    fields.setdefault("last_name", "رضایی")
    fields.setdefault("allow_duplicates", True)
    with inside(agency):
        return customer_create(agency=agency, actor=actor, **fields)


# --- who may call ------------------------------------------------------------------------------


def test_no_login_is_a_401_with_the_session_challenge(agency):
    response = Api().get(CUSTOMERS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Session realm="api"'
    assert response.json()["code"] == "not_authenticated"


def test_a_person_of_no_agency_is_refused_and_finds_no_id(agency, owner):
    customer = make(agency, owner)
    stranger = Api(create_user())
    refused = stranger.get(CUSTOMERS)
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "فقط اعضای یک نمایندگی می‌توانند از این استفاده کنند.",
        "code": "not_an_agency_member",
    }
    assert stranger.get(f"{CUSTOMERS}{customer.pk}/").status_code == 404


# --- register ----------------------------------------------------------------------------------


def test_a_customer_is_registered_normalised_with_contact_points_and_audited(agency, owner):
    with inside(agency):
        region = Region.objects.create(name="شمال تهران")
    response = Api(owner).post(
        CUSTOMERS,
        {
            "first_name": "علي",  # Arabic yeh
            "last_name": "كريمي",  # Arabic kaf and yeh
            "national_code": "۰۴۹۹۳۷۰۸۹۹",
            "phones": [{"number": "+98 912 111 ۲۲۳۳"}, {"number": "021-8877 6655"}],
            "emails": ["Ali@Example.com"],
            "addresses": [{"address": "خیابان ولیعصر، پلاک ۱۲", "postal_code": "12345-67890"}],
            "region_id": region.pk,
            "sms_consent_source": "verbal",
        },
    )
    assert response.status_code == 201, response.json()
    card = response.json()
    assert (card["first_name"], card["last_name"], card["national_code"]) == (
        "علی",
        "کریمی",
        "0499370899",
    )
    assert card["kind"] == "prospective" and card["mobile"] == "09121112233"
    assert [(p["number"], p["kind"], p["is_primary"]) for p in card["phones"]] == [
        ("09121112233", "mobile", True),
        ("02188776655", "landline", False),
    ]
    assert [e["address"] for e in card["emails"]] == ["ali@example.com"]
    assert card["addresses"][0]["postal_code"] == "1234567890"
    assert card["region"] == {"id": region.pk, "name": "شمال تهران"}
    assert card["sms_consent"] is True
    audit = AuditLog.objects.get(action="customer.created")
    assert (audit.actor, audit.agency_id, audit.target_id) == (owner, agency.pk, str(card["id"]))


def test_a_possible_duplicate_is_a_409_with_the_candidates_then_allowed(agency, owner):
    first = make(agency, owner, phones=["09121112233"])
    api = Api(owner)
    body = {"first_name": "رضا", "last_name": "احمدی", "phones": [{"number": "09121112233"}]}
    refused = api.post(CUSTOMERS, body)
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "ممکن است این مشتری پیش‌تر ثبت شده باشد؛ مشتریان یافته‌شده را بررسی کنید.",
        "code": "possible_duplicates",
        "candidates": [
            {
                "customer": {"id": first.pk, "display_name": "علی رضایی"},
                "national_code": None,
                "mobile": "09121112233",
                "score": 100,
                "reasons": ["mobile"],
            }
        ],
    }
    with inside(agency):
        assert Customer.objects.count() == 1
    created = api.post(CUSTOMERS, {**body, "allow_duplicates": True})
    assert created.status_code == 201
    with inside(agency):
        assert Customer.objects.count() == 2


def test_a_malformed_request_is_a_persian_400_in_the_contracts_shape(agency, owner):
    response = Api(owner).post(CUSTOMERS, {"last_name": "x" * 101, "national_code": "123"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "برخی از موارد درست نیست؛ پیام هر مورد را ببینید."
    assert body["fields"] == {
        "last_name": ["مطمعن شوید طول این مقدار بیشتر از 100 نیست."],  # DRF's own catalogue
        "national_code": ["یک کد ملی ۱۰ رقمی معتبر وارد کنید."],
    }


def test_a_rule_refusal_is_a_422_in_persian_or_english_as_asked(agency, owner):
    body = {"last_name": "رضایی", "national_code": "0499370898"}  # wrong check digit
    before = _state(agency)
    persian = Api(owner).post(CUSTOMERS, body)
    assert persian.status_code == 422
    assert persian.json()["code"] == "invalid"
    assert list(persian.json()["fields"]) == ["national_code"]
    assert "کد ملی" in persian.json()["fields"]["national_code"][0]
    english = Api(owner, language="en").post(CUSTOMERS, body)
    assert english.status_code == 422
    assert "national code" in english.json()["detail"].lower()
    no_region = Api(owner).post(CUSTOMERS, {"last_name": "رضایی", "region_id": 999})
    assert no_region.status_code == 422
    assert no_region.json()["fields"] == {"region_id": ["چنین منطقه‌ای اینجا نیست."]}
    assert _state(agency) == before


def _state(agency):
    with inside(agency):
        return crm_state()


# --- the list ----------------------------------------------------------------------------------


def test_the_list_searches_any_spelling_filters_and_pages(agency, owner):
    karimi = make(agency, owner, first_name="علی", last_name="کریمی", phones=["09121112233"])
    make(agency, owner, first_name="مریم", last_name="احمدی", phones=["09121112244"])
    company = make(agency, owner, party="company", company_name="شرکت نمونه", last_name="")
    with inside(agency):
        Customer.objects.filter(pk=company.pk).update(kind="definite")
        CustomerRank.objects.create(
            customer=karimi, score=Decimal(9), band="A", computed_at=timezone.now()
        )
    api = Api(owner)

    def names(params):
        response = api.get(CUSTOMERS, params)
        assert response.status_code == 200, response.json()
        return [row["display_name"] for row in response.json()["results"]]

    assert names({}) == ["شرکت نمونه", "مریم احمدی", "علی کریمی"]
    assert names({"q": "كريمي"}) == ["علی کریمی"]  # Arabic letters find the Persian name
    assert names({"q": "+98 912 111 ۲۲۳۳"}) == ["علی کریمی"]  # a phone in any form
    assert names({"kind": "definite"}) == ["شرکت نمونه"]
    assert names({"party": "person"}) == ["مریم احمدی", "علی کریمی"]
    assert names({"band": "A"}) == ["علی کریمی"]
    page = api.get(CUSTOMERS, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3
    assert [row["display_name"] for row in page["results"]] == ["مریم احمدی", "علی کریمی"]
    assert page["previous"] is not None and page["next"] is None
    row = api.get(CUSTOMERS, {"q": "کریمی"}).json()["results"][0]
    assert (row["rank_band"], row["mobile"], row["kind"]) == ("A", "09121112233", "prospective")
    bad = api.get(CUSTOMERS, {"kind": "vip", "limit": 500})
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"kind", "limit"}


def test_the_lists_query_count_does_not_grow_with_its_rows(agency, owner):
    api = Api(owner)
    make(agency, owner, last_name="یک")
    with CaptureQueriesContext(connection) as few:
        assert api.get(CUSTOMERS).status_code == 200
    with inside(agency):
        region = Region.objects.create(name="غرب")
    for index in range(12):
        make(agency, owner, last_name=f"مشتری{index}", region=region, national_code=None)
    with CaptureQueriesContext(connection) as many:
        response = api.get(CUSTOMERS)
    assert response.json()["count"] == 13
    assert len(many) == len(few) <= 8


# --- the card ----------------------------------------------------------------------------------


def test_the_card_has_everything_and_staff_see_only_their_open_cases(agency, owner, staff_member):
    customer = make(
        agency,
        owner,
        phones=["09121112233"],
        emails=["a@example.com"],
        national_code=national_code("001354241"),
    )
    spouse = make(agency, owner, first_name="زهرا", last_name="رضایی")
    with inside(agency):
        customer_relation_add(
            agency=agency, actor=owner, customer=customer, kind="spouse", related_customer=spouse
        )
        group = customer_group_create(agency=agency, actor=owner, name="ویژه")
        customer_group_add(agency=agency, actor=owner, customer=customer, group=group)
        CustomerRank.objects.create(
            customer=customer, score=Decimal("3.5"), band="B", computed_at=timezone.now()
        )
        policy = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="asia",
            line_code="fire",
            number="F-1",
            end_date=dt.date(2027, 1, 1),
            premium=Decimal(5000000),
        )
        Case.objects.create(customer=customer, kind="sale", title="فروش", assignee_user_id=owner.pk)
        Case.objects.create(
            customer=customer, kind="service", title="خدمت", assignee_user_id=staff_member.user_id
        )
        Case.objects.create(customer=customer, kind="sale", title="بسته", state="done")
        Instrument.objects.create(
            customer=customer, kind="cheque", amount=Decimal(1000000), due_date=dt.date(2027, 1, 1)
        )
        Instrument.objects.create(
            customer=customer,
            kind="cheque",
            amount=Decimal(2000000),
            due_date=dt.date(2026, 1, 1),
            state="cleared",
        )
    card = Api(owner).get(f"{CUSTOMERS}{customer.pk}/").json()
    assert card["rank"]["band"] == "B"
    assert [p["number"] for p in card["phones"]] == ["09121112233"]
    assert [e["address"] for e in card["emails"]] == ["a@example.com"]
    assert card["relations"] == [
        {
            "id": card["relations"][0]["id"],
            "kind": "spouse",
            "customer": {"id": spouse.pk, "display_name": "زهرا رضایی"},
            "name": "",
            "mobile": "",
        }
    ]
    assert [g["name"] for g in card["groups"]] == ["ویژه"]
    assert [(p["id"], p["number"], p["premium"]) for p in card["policies"]] == [
        (policy.pk, "F-1", "5000000")
    ]
    assert sorted(c["title"] for c in card["open_cases"]) == ["خدمت", "فروش"]
    assert [(i["amount"], i["state"]) for i in card["instruments_due"]] == [("1000000", "due")]
    # The spouse's card shows the link from the other side.
    other = Api(owner).get(f"{CUSTOMERS}{spouse.pk}/").json()
    assert [(r["kind"], r["customer"]["id"]) for r in other["relations"]] == [
        ("spouse", customer.pk)
    ]
    staff_card = Api(staff_member.user).get(f"{CUSTOMERS}{customer.pk}/").json()
    assert [c["title"] for c in staff_card["open_cases"]] == ["خدمت"]


def test_the_card_of_a_merged_or_unknown_customer_is_a_404(agency, owner):
    api = Api(owner)
    assert api.get(f"{CUSTOMERS}999/").status_code == 404
    assert api.get(f"{CUSTOMERS}99999999999999999999/").status_code == 404
    assert api.get(f"{CUSTOMERS}abc/").json()["code"] == "not_found"


# --- change ------------------------------------------------------------------------------------


def test_a_partial_update_changes_only_what_was_sent_and_is_audited(agency, owner):
    customer = make(agency, owner, job="معلم", city="تهران")
    response = Api(owner).patch(
        f"{CUSTOMERS}{customer.pk}/", {"kind": "definite", "job": "مهندس  ", "birth_date": None}
    )
    assert response.status_code == 200, response.json()
    card = response.json()
    assert (card["kind"], card["job"], card["city"]) == ("definite", "مهندس", "تهران")
    audit = AuditLog.objects.get(action="customer.updated")
    assert audit.actor == owner
    assert audit.changes == {"kind": ["prospective", "definite"], "job": ["معلم", "مهندس"]}
    future = Api(owner).patch(f"{CUSTOMERS}{customer.pk}/", {"birth_date": "2999-01-01"})
    assert future.status_code == 422
    assert future.json()["fields"] == {"birth_date": ["تاریخ تولد واقعی وارد کنید."]}


def test_phones_emails_and_addresses_are_added_and_removed(agency, owner):
    customer = make(agency, owner, phones=["09121112233"])
    api = Api(owner)
    base = f"{CUSTOMERS}{customer.pk}"
    phone = api.post(f"{base}/phones/", {"number": "۰۹۱۲ ۳۳۳ ۴۴۵۵", "primary": True})
    assert phone.status_code == 201, phone.json()
    assert (phone.json()["number"], phone.json()["is_primary"]) == ("09123334455", True)
    bad = api.post(f"{base}/phones/", {"number": "12"})
    assert bad.status_code == 422 and list(bad.json()["fields"]) == ["number"]
    email = api.post(f"{base}/emails/", {"address": "X@Example.com"})
    assert email.status_code == 201 and email.json()["address"] == "x@example.com"
    address = api.post(f"{base}/addresses/", {"address": "میدان آزادی", "kind": "work"})
    assert address.status_code == 201 and address.json()["kind"] == "work"
    with inside(agency):
        assert Customer.objects.get(pk=customer.pk).mobile == "09123334455"
    assert api.delete(f"{base}/phones/{phone.json()['id']}/").status_code == 204
    assert api.delete(f"{base}/emails/{email.json()['id']}/").status_code == 204
    assert api.delete(f"{base}/addresses/{address.json()['id']}/").status_code == 204
    assert api.delete(f"{base}/addresses/{address.json()['id']}/").status_code == 404
    with inside(agency):
        assert Customer.objects.get(pk=customer.pk).mobile == "09121112233"
        assert list(CustomerPhone.objects.values_list("number", flat=True)) == ["09121112233"]
        assert not CustomerEmail.objects.exists() and not CustomerAddress.objects.exists()
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"customer.phone_added", "customer.phone_removed", "customer.email_added"} <= actions


# --- isolation and suspension ------------------------------------------------------------------


def test_agency_b_gets_404_for_agency_as_customer_through_every_url(agency, other_agency, owner):
    customer = make(agency, owner, phones=["09121112233"], emails=["a@example.com"])
    with inside(agency):
        phone = customer.phones.get()
        email = customer.emails.get()
        address = CustomerAddress.objects.create(customer=customer, address="نشانی")
    owner_b = other_agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    api = Api(owner_b)
    base = f"{CUSTOMERS}{customer.pk}"
    assert api.get(f"{base}/").status_code == 404
    assert api.patch(f"{base}/", {"job": "x"}).status_code == 404
    assert api.post(f"{base}/phones/", {"number": "09120000000"}).status_code == 404
    assert api.post(f"{base}/emails/", {"address": "b@example.com"}).status_code == 404
    assert api.post(f"{base}/addresses/", {"address": "ب"}).status_code == 404
    assert api.delete(f"{base}/phones/{phone.pk}/").status_code == 404
    assert api.delete(f"{base}/emails/{email.pk}/").status_code == 404
    assert api.delete(f"{base}/addresses/{address.pk}/").status_code == 404
    assert api.get(CUSTOMERS).json()["count"] == 0
    with inside(agency):
        assert customer.phones.count() == 1 and customer.emails.count() == 1


def test_two_agencies_with_the_same_national_code_see_only_their_own(agency, other_agency, owner):
    code = "0499370899"
    mine = make(agency, owner, national_code=code, job="معلم")
    owner_b = other_agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    theirs = make(other_agency, owner_b, national_code=code, job="راننده")
    for user, customer, job in ((owner, mine, "معلم"), (owner_b, theirs, "راننده")):
        found = Api(user).get(CUSTOMERS, {"q": code}).json()
        assert [(row["id"], row["national_code"]) for row in found["results"]] == [
            (customer.pk, code)
        ]
        assert Api(user).get(f"{CUSTOMERS}{customer.pk}/").json()["job"] == job


@pytest.mark.parametrize("status", ["suspended", "pending"])
def test_a_stopped_agency_is_refused_in_persian_and_nothing_changes(agency, owner, status):
    from tenants.services import agency_set_status

    customer = make(agency, owner)
    agency_set_status(agency=agency, status=status, actor=None)
    before = _state(agency)
    api = Api(owner)
    for response in (
        api.get(CUSTOMERS),
        api.post(CUSTOMERS, {"last_name": "تازه"}),
        api.get(f"{CUSTOMERS}{customer.pk}/"),
        api.patch(f"{CUSTOMERS}{customer.pk}/", {"job": "x"}),
        api.post(f"{CUSTOMERS}{customer.pk}/phones/", {"number": "09120000000"}),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "agency_inactive"
        assert "نمایندگی شما" in response.json()["detail"]
    assert _state(agency) == before


def test_a_suspension_during_the_request_is_refused_by_the_service_and_rolls_back(
    agency, owner, monkeypatch
):
    """The edge passed while the agency was active; the service re-reads the status in its
    transaction and refuses, and the API answers with the same Persian refusal."""
    from crm.api import base
    from tenants.models import Agency

    stale = base.membership_current
    loaded = {}

    def passed_the_edge_before(request):
        loaded.setdefault("membership", stale(request))
        return loaded["membership"]

    monkeypatch.setattr(base, "membership_current", passed_the_edge_before)
    api = Api(owner)
    assert api.get(CUSTOMERS).status_code == 200  # the membership, loaded while active
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    before = _state(agency)
    response = api.post(CUSTOMERS, {"last_name": "تازه"})
    assert response.status_code == 403
    assert response.json()["code"] == "agency_inactive"
    assert _state(agency) == before


def test_the_agency_is_the_one_the_member_switched_to(agency, other_agency, owner):
    from tenants.panel.base import SESSION_AGENCY

    AgencyMembership.objects.create(
        user=owner, agency=other_agency, role=AgencyMembership.Role.MANAGER
    )
    make(agency, owner, last_name="الف")
    owner_b = other_agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    make(other_agency, owner_b, last_name="ب")
    api = Api(owner)
    assert [r["last_name"] for r in api.get(CUSTOMERS).json()["results"]] == ["الف"]
    session = api.client.session
    session[SESSION_AGENCY] = other_agency.pk
    session.save()
    assert [r["last_name"] for r in api.get(CUSTOMERS).json()["results"]] == ["ب"]
    # The host names no agency: on agency 685's own site the member still works in 686.
    on_685 = api.client.get(CUSTOMERS, HTTP_HOST="ar685.localhost")
    assert [r["last_name"] for r in on_685.json()["results"]] == ["ب"]


def test_the_cards_query_count_does_not_grow_with_what_the_customer_has(agency, owner):
    customer = make(agency, owner, phones=["09121112233"])

    def add(index: int) -> None:
        with inside(agency):
            BookPolicy.objects.create(
                customer=customer,
                origin="other",
                insurer_code="asia",
                line_code=f"line{index}",
                number=f"N-{index}",
            )
            Case.objects.create(
                customer=customer, kind="sale", title=f"پ{index}", assignee_user_id=owner.pk
            )
            Instrument.objects.create(
                customer=customer, kind="cheque", amount=Decimal(1000), due_date=dt.date(2027, 1, 1)
            )
            CustomerAddress.objects.create(customer=customer, address=f"نشانی {index}")

    api = Api(owner)
    add(0)
    with CaptureQueriesContext(connection) as one:
        assert api.get(f"{CUSTOMERS}{customer.pk}/").status_code == 200
    for index in range(1, 6):
        add(index)
    with CaptureQueriesContext(connection) as six:
        card = api.get(f"{CUSTOMERS}{customer.pk}/").json()
    assert (len(card["policies"]), len(card["open_cases"]), len(card["addresses"])) == (6, 6, 6)
    assert len(six) == len(one)

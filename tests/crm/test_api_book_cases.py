"""The book and cases through the API (read-only): filters, pages with a constant number of
queries, staff seeing only their cases, and nothing of another agency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AgencyMembership
from crm.models import Activity, BookPolicy, Case, Marketer
from crm.services.ledger import ledger_policies_sync
from tests.crm.api_support import Api
from tests.crm.conftest import inside, sell
from tests.crm.test_api_customers import make

pytestmark = pytest.mark.django_db

BOOK = "/api/crm/book/"
CASES = "/api/crm/cases/"


def other_policy(customer, number: str, end: dt.date, **fields) -> BookPolicy:
    return BookPolicy.objects.create(
        customer=customer,
        origin="other",
        insurer_code="asia",
        line_code="fire",
        number=number,
        start_date=end - dt.timedelta(days=365),
        end_date=end,
        premium=Decimal(1000000),
        **fields,
    )


@pytest.fixture
def book(agency, owner, sale_line):
    """Agency A's book: a policy sold here (from the ledger) and two of other insurers."""
    policy = sell(agency, sale_line, national_code="0499370899")
    with inside(agency):
        ledger_policies_sync(agency=agency, policy_ids=[policy.pk])
    ali = make(agency, owner, last_name="کریمی")
    with inside(agency):
        marketer = Marketer.objects.create(first_name="رضا", last_name="بازاریاب")
        soon = other_policy(
            ali,
            "A-1",
            dt.date(2026, 12, 20),
            marketer=marketer,
            delivery_method="courier",
            delivery_address_text="خیابان آزادی",
            extra_1="شعبه ۲",
            sold_by_user_id=owner.pk,
        )
        later = other_policy(ali, "A-2", dt.date(2027, 6, 1), state="expired")
        ledger = BookPolicy.objects.get(origin="ledger")
    return {"ledger": ledger, "soon": soon, "later": later, "ali": ali}


def test_the_book_lists_with_filters_and_one_policy_in_detail(agency, owner, book):
    api = Api(owner)

    def numbers(params=None):
        response = api.get(BOOK, params)
        assert response.status_code == 200, response.json()
        return [row["number"] for row in response.json()["results"]]

    assert len(numbers()) == 3
    assert numbers({"origin": "other"}) == ["A-1", "A-2"]  # soonest expiry first
    assert numbers({"q": "A-2"}) == ["A-2"]
    assert numbers({"q": "کریمی"}) == ["A-1", "A-2"]
    assert numbers({"insurer": "asia"}) == ["A-1", "A-2"]
    assert numbers({"origin": "ledger"}) == [book["ledger"].number]
    assert numbers({"state": "expired"}) == ["A-2"]
    assert numbers(
        {"expires_from": "2026-12-01", "expires_to": "2027-12-31", "origin": "other"}
    ) == [
        "A-1",
        "A-2",
    ]
    assert numbers({"expires_to": "2026-12-31", "origin": "other"}) == ["A-1"]
    assert numbers({"customer": book["ali"].pk, "expires_from": "2000-01-01"}) == ["A-1", "A-2"]
    bad = api.get(BOOK, {"expires_from": "فردا", "origin": "mine"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"expires_from", "origin"}
    row = api.get(BOOK, {"origin": "ledger"}).json()["results"][0]
    assert (row["line_name"], row["origin"], row["customer"]["display_name"]) == (
        "بدنه خودرو",
        "ledger",
        "علی رضایی",
    )
    detail = api.get(f"{BOOK}{book['soon'].pk}/").json()
    assert detail["number"] == "A-1" and detail["premium"] == "1000000"
    assert detail["marketer"]["name"] == "رضا بازاریاب"
    assert (detail["delivery_method"], detail["delivery_address"], detail["extra_1"]) == (
        "courier",
        "خیابان آزادی",
        "شعبه ۲",
    )
    assert detail["sold_by"] and detail["end_date"] == "2026-12-20"
    assert api.get(f"{BOOK}999999/").status_code == 404


def test_the_books_query_count_does_not_grow_with_its_rows(agency, owner, book):
    api = Api(owner)
    with CaptureQueriesContext(connection) as few:
        api.get(BOOK)
    with inside(agency):
        for index in range(15):
            other_policy(book["ali"], f"B-{index}", dt.date(2027, 1, 1) + dt.timedelta(days=index))
    with CaptureQueriesContext(connection) as many:
        assert api.get(BOOK).json()["count"] == 18
    assert len(many) == len(few)


@pytest.fixture
def cases(agency, owner, staff_member):
    customer = make(agency, owner)
    now = timezone.now()
    with inside(agency):
        mine = Case.objects.create(
            customer=customer,
            kind="sale",
            title="فروش بدنه",
            assignee_user_id=staff_member.user_id,
            due_at=now,
        )
        Activity.objects.create(
            case=mine, kind="call", subject="تماس دوم", due_at=now + dt.timedelta(days=2)
        )
        Activity.objects.create(
            case=mine,
            kind="meeting",
            subject="جلسه اول",
            due_at=now + dt.timedelta(days=1),
            assignee_user_id=staff_member.user_id,
        )
        owners = Case.objects.create(
            customer=customer, kind="service", title="پیگیری مدیر", assignee_user_id=owner.pk
        )
        done = Case.objects.create(kind="meeting", title="جلسه داخلی", state="done")
    return {"mine": mine, "owners": owners, "done": done, "customer": customer}


def test_owners_see_every_case_staff_only_theirs_with_activities(
    agency, owner, staff_member, cases
):
    everyone = Api(owner).get(CASES).json()
    assert [row["title"] for row in everyone["results"]] == [
        "جلسه داخلی",
        "پیگیری مدیر",
        "فروش بدنه",
    ]
    assert [r["title"] for r in Api(owner).get(CASES, {"state": "open"}).json()["results"]] == [
        "پیگیری مدیر",
        "فروش بدنه",
    ]
    assert [r["title"] for r in Api(owner).get(CASES, {"kind": "sale"}).json()["results"]] == [
        "فروش بدنه"
    ]
    staff = Api(staff_member.user)
    theirs = staff.get(CASES).json()
    assert [row["title"] for row in theirs["results"]] == ["فروش بدنه"]
    assert theirs["results"][0]["assignee"] == "سارا کارمند"
    detail = staff.get(f"{CASES}{cases['mine'].pk}/").json()
    assert [a["subject"] for a in detail["activities"]] == ["جلسه اول", "تماس دوم"]
    assert detail["customer"]["id"] == cases["customer"].pk
    assert staff.get(f"{CASES}{cases['owners'].pk}/").status_code == 404
    assert Api(owner).get(f"{CASES}{cases['owners'].pk}/").status_code == 200


def test_the_cases_query_count_does_not_grow_with_its_rows(agency, owner, cases):
    api = Api(owner)
    with CaptureQueriesContext(connection) as few:
        api.get(CASES)
    with inside(agency):
        for index in range(12):
            Case.objects.create(
                customer=cases["customer"],
                kind="sale",
                title=f"پرونده {index}",
                assignee_user_id=owner.pk,
            )
    with CaptureQueriesContext(connection) as many:
        assert api.get(CASES).json()["count"] == 15
    assert len(many) == len(few)


def test_agency_b_gets_404_for_agency_as_book_and_cases(agency, other_agency, book, cases):
    owner_b = other_agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    api = Api(owner_b)
    for path in (
        f"{BOOK}{book['soon'].pk}/",
        f"{BOOK}{book['ledger'].pk}/",
        f"{CASES}{cases['mine'].pk}/",
        f"{CASES}{cases['done'].pk}/",
    ):
        assert api.get(path).status_code == 404, path
    assert api.get(BOOK).json()["count"] == 0
    assert api.get(CASES).json()["count"] == 0


@pytest.mark.parametrize("status", ["suspended", "pending"])
def test_a_stopped_agency_reads_neither_book_nor_cases(agency, owner, book, cases, status):
    from tenants.services import agency_set_status

    agency_set_status(agency=agency, status=status, actor=None)
    api = Api(owner)
    for path in (BOOK, f"{BOOK}{book['soon'].pk}/", CASES, f"{CASES}{cases['mine'].pk}/"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "agency_inactive"

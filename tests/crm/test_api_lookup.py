"""Caller lookup through the API (S-6.5): any form of a number finds its customers and the
first one's card, and every lookup is a contact in the log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AgencyMembership
from crm.models import ContactLog, CrmSettings
from crm.services.contacts import PhoneInput
from tests.crm.api_support import Api
from tests.crm.conftest import inside
from tests.crm.test_api_customers import make

pytestmark = pytest.mark.django_db

LOOKUP = "/api/crm/lookup/"


@pytest.mark.parametrize(
    "typed",
    [
        "09121112233",
        "+989121112233",
        "00989121112233",
        "9121112233",
        "۰۹۱۲ ۱۱۱ ۲۲۳۳",
        "٠٩١٢١١١٢٢٣٣",
    ],
)
def test_any_form_of_a_mobile_finds_the_customer_and_is_logged(agency, owner, typed):
    customer = make(agency, owner, phones=["09121112233"])
    response = Api(owner).get(LOOKUP, {"phone": typed})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["number"] == "09121112233"
    assert [(m["id"], m["display_name"], m["rank_band"]) for m in body["matches"]] == [
        (customer.pk, "علی رضایی", None)
    ]
    assert body["card"]["id"] == customer.pk
    assert [p["number"] for p in body["card"]["phones"]] == ["09121112233"]
    with inside(agency):
        contact = ContactLog.objects.get()
        assert (contact.customer_id, contact.phone, contact.channel, contact.direction) == (
            customer.pk,
            "09121112233",
            "lookup",
            "in",
        )
        assert (contact.by_user_id, contact.via) == (owner.pk, "api")


def test_a_local_landline_takes_the_agencys_area_code_and_an_unknown_number_is_logged(
    agency, owner
):
    with inside(agency):
        CrmSettings.objects.update(default_area_code="021")
    customer = make(agency, owner, phones=[PhoneInput(number="02188776655")])
    api = Api(owner)
    found = api.get(LOOKUP, {"phone": "8877-6655"}).json()
    assert [m["id"] for m in found["matches"]] == [customer.pk]
    unknown = api.get(LOOKUP, {"phone": "09350000000"}).json()
    assert unknown == {"number": "09350000000", "matches": [], "card": None}
    with inside(agency):
        assert list(ContactLog.objects.order_by("id").values_list("phone", "customer_id")) == [
            ("02188776655", customer.pk),
            ("09350000000", None),
        ]


def test_a_number_that_is_no_phone_is_a_persian_422_and_nothing_is_logged(agency, owner):
    response = Api(owner).get(LOOKUP, {"phone": "12"})
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["phone"]
    assert "شماره" in response.json()["fields"]["phone"][0]
    assert Api(owner).get(LOOKUP).status_code == 400
    with inside(agency):
        assert not ContactLog.objects.exists()


def test_lookup_sees_only_the_members_agency(agency, other_agency, owner):
    make(agency, owner, phones=["09121112233"])
    owner_b = other_agency.memberships.get(role=AgencyMembership.Role.OWNER).user
    body = Api(owner_b).get(LOOKUP, {"phone": "09121112233"}).json()
    assert (body["matches"], body["card"]) == ([], None)
    with inside(agency):
        assert not ContactLog.objects.exists()
    with inside(other_agency):
        assert ContactLog.objects.get().customer_id is None


def test_the_lookups_query_count_does_not_grow_with_the_customers_holding_the_number(agency, owner):
    api = Api(owner)
    make(agency, owner, phones=["09121112233"])
    with CaptureQueriesContext(connection) as one:
        api.get(LOOKUP, {"phone": "09121112233"})
    for index in range(5):
        make(agency, owner, last_name=f"خانواده{index}", phones=["09121112233"])
    with CaptureQueriesContext(connection) as six:
        body = api.get(LOOKUP, {"phone": "09121112233"}).json()
    assert len(body["matches"]) == 6
    assert len(six) == len(one)


@pytest.mark.parametrize("status", ["suspended", "pending"])
def test_a_stopped_agency_cannot_look_up(agency, owner, status):
    from tenants.services import agency_set_status

    make(agency, owner, phones=["09121112233"])
    agency_set_status(agency=agency, status=status, actor=None)
    response = Api(owner).get(LOOKUP, {"phone": "09121112233"})
    assert response.status_code == 403 and response.json()["code"] == "agency_inactive"
    with inside(agency):
        assert not ContactLog.objects.exists()

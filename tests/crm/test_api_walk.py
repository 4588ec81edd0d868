"""Every route of /api/crm/, walked from the URLconf: a suspended or pending agency's members
get the Persian refusal (403, ``agency_inactive``) for each method, and nothing changes; a new
route is walked without editing this test."""

from __future__ import annotations

import re

import pytest

from tenants.services import agency_set_status
from tests.crm.api_support import Api
from tests.crm.conftest import crm_state, inside
from tests.crm.test_api_customers import make
from tests.tenants.test_isolation import _routes

pytestmark = pytest.mark.django_db


def crm_api_routes() -> list[str]:
    return [route for route in _routes("config.urls_agency") if route.startswith("api/crm/")]


@pytest.mark.parametrize("status", ["suspended", "pending"])
def test_every_crm_api_route_refuses_a_stopped_agency_and_changes_nothing(agency, owner, status):
    from crm.models import BookPolicy, Case, CustomerAddress

    customer = make(agency, owner, phones=["09121112233"], emails=["a@example.com"])
    with inside(agency):
        ids = {
            "crm_customer_id": customer.pk,
            "phone_id": customer.phones.get().pk,
            "email_id": customer.emails.get().pk,
            "address_id": CustomerAddress.objects.create(customer=customer, address="ن").pk,
            "book_policy_id": BookPolicy.objects.create(
                customer=customer, origin="other", insurer_code="asia", line_code="fire"
            ).pk,
            "case_id": Case.objects.create(customer=customer, kind="sale", title="پ").pk,
        }
    agency_set_status(agency=agency, status=status, actor=None)
    with inside(agency):
        before = crm_state()
    api = Api(owner)
    walked = []
    for route in crm_api_routes():
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
        for method in ("get", "post", "patch", "delete"):
            call = getattr(api, method)
            response = call(path, {}) if method in ("post", "patch") else call(path)
            if response.status_code == 405:
                continue
            assert response.status_code == 403, f"{method} {path}: {response.status_code}"
            assert response.json()["code"] == "agency_inactive"
            assert response.json()["detail"].startswith("نمایندگی شما")
            walked.append(f"{method} {route}")
    assert len(walked) >= 15
    with inside(agency):
        assert crm_state() == before

"""The customer's claims API (decision 017): file, list, read, upload; 404 for anyone else's
policy or claim, 422 for a rule, 409 for a state."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimDocument
from core.models import SmsMessage
from tests.claims.conftest import at, file_claim, sell, upload
from tests.factories import create_user

pytestmark = pytest.mark.django_db
HOST = "ar685.localhost"


def _body(policy, **overrides):
    return {
        "policy_number": policy.number,
        "occurred_at": at(2).isoformat(),
        "province": "تهران",
        "city": "تهران",
        "place": "ميدان ونك",
        "description": "برخورد با خودروی دیگر",
        **overrides,
    }


def test_file_list_read_and_upload(client, policy, customer):
    client.force_login(customer)
    response = client.post(
        "/api/claims/", _body(policy), content_type="application/json", HTTP_HOST=HOST
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "filed" and data["policy_number"] == policy.number
    assert data["place"] == "میدان ونک"
    assert "police_report" in data["missing_documents"]
    assert SmsMessage.objects.filter(kind="claim_filed").count() == 1
    listed = client.get("/api/claims/", HTTP_HOST=HOST).json()
    assert [row["id"] for row in listed] == [data["id"]]
    detail = client.get(f"/api/claims/{data['id']}/", HTTP_HOST=HOST).json()
    assert detail["timeline"][0]["event"] == "filed"
    uploaded = client.post(
        f"/api/claims/{data['id']}/documents/",
        {"kind": "police_report", "file": upload()},
        HTTP_HOST=HOST,
    )
    assert uploaded.status_code == 201
    assert "police_report" not in uploaded.json()["missing_documents"]
    bad = client.post(
        f"/api/claims/{data['id']}/documents/",
        {"kind": "police_report", "file": upload("x.png", b"nope")},
        HTTP_HOST=HOST,
    )
    assert bad.status_code == 422 and "file" in bad.json()["fields"]
    assert ClaimDocument.objects.count() == 1


def test_refusals_have_their_statuses_and_change_nothing(client, policy, customer, motor):
    client.force_login(customer)
    post = lambda body: client.post(  # noqa: E731
        "/api/claims/", body, content_type="application/json", HTTP_HOST=HOST
    )
    assert post(_body(policy, occurred_at=at(300).isoformat())).status_code == 422
    assert post({"policy_number": policy.number}).status_code == 400
    stranger_policy = sell(motor, customer=create_user(), agency=policy.agency)
    assert post(_body(stranger_policy)).status_code == 404
    assert post(_body(policy)).status_code == 201
    duplicate = post(_body(policy, occurred_at=at(2, 15).isoformat()))
    assert duplicate.status_code == 409 and duplicate.json()["code"]
    assert Claim.objects.count() == 1


def test_swapped_ids_are_404(client, policy, motor, agency):
    theirs = file_claim(sell(motor, customer=create_user(), agency=agency))
    client.force_login(policy.customer)
    assert client.get(f"/api/claims/{theirs.public_id}/", HTTP_HOST=HOST).status_code == 404
    response = client.post(
        f"/api/claims/{theirs.public_id}/documents/",
        {"kind": "police_report", "file": upload()},
        HTTP_HOST=HOST,
    )
    assert response.status_code == 404 and not ClaimDocument.objects.exists()
    assert client.get("/api/claims/", HTTP_HOST=HOST).json() == []
    client.logout()
    assert client.get("/api/claims/", HTTP_HOST=HOST).status_code == 401


def test_the_list_costs_the_same_queries_for_one_claim_or_many(client, policy, motor, customer):
    client.force_login(customer)
    file_claim(policy)
    client.get("/api/claims/", HTTP_HOST=HOST)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/claims/", HTTP_HOST=HOST)
    for n in range(5):
        file_claim(sell(motor, customer=customer, agency=policy.agency), days_ago=n + 2)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/claims/", HTTP_HOST=HOST).json()) == 6
    assert len(many) == len(one)

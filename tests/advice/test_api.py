"""/api/advice/ (decision 017): the customer posts, lists, reads, accepts, rates and cancels;
the agency of the logged-in member lists what it was offered and answers once."""

from __future__ import annotations

import pytest

from advice.models import AdviceRequest
from tenants.models import Agency
from tests.advice.conftest import CENTRE, MAIN, owner_of

pytestmark = pytest.mark.django_db


def _post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json", HTTP_HOST=MAIN)


def test_the_whole_flow_through_the_api(client, near, buyer, line):
    first, second = near
    client.force_login(buyer)
    response = _post(
        client,
        "/api/advice/requests/",
        {"line": line.code, "note": "سلام", "latitude": float(CENTRE[0]), "longitude": 51.338},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["state"] == "open" and created["answers"] == [] and created["agency"] is None
    pk = created["id"]
    again = _post(client, "/api/advice/requests/", {"line": line.code, "city": "تهران"})
    assert again.status_code == 409 and again.json()["code"] == "open_request"
    unknown = _post(client, "/api/advice/requests/", {"line": "nothing", "city": "تهران"})
    assert unknown.status_code == 422 and "line" in unknown.json()["fields"]

    for agency, premium in ((first, 9_000_000), (second, None)):
        client.force_login(owner_of(agency))
        listed = client.get("/api/advice/offered/", HTTP_HOST=MAIN).json()
        assert listed["count"] == 1 and listed["results"][0]["id"] == pk
        assert listed["results"][0]["answered"] is False
        response = _post(
            client, f"/api/advice/offered/{pk}/answer/", {"message": "پاسخ", "premium": premium}
        )
        assert response.status_code == 200, response.content
        assert response.json()["answer"]["premium"] == premium
        assert response.json()["customer"] is None
        twice = _post(client, f"/api/advice/offered/{pk}/answer/", {"message": "باز"})
        assert twice.status_code == 409 and twice.json()["code"] == "answered"

    client.force_login(buyer)
    detail = client.get(f"/api/advice/requests/{pk}/", HTTP_HOST=MAIN).json()
    assert [answer["number"] for answer in detail["answers"]] == [1, 2]
    assert detail["answers"][0]["premium"] == 9_000_000 and detail["agency"] is None
    early = _post(client, f"/api/advice/requests/{pk}/rating/", {"score": 5})
    assert early.status_code == 409
    wrong = _post(client, f"/api/advice/requests/{pk}/accept/", {"answer": 7})
    assert wrong.status_code == 422
    accepted = _post(client, f"/api/advice/requests/{pk}/accept/", {"answer": 1})
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["state"] == "accepted" and body["agency"]["code"] == first.code
    assert body["agency"]["phone"] == first.phone
    assert [answer["chosen"] for answer in body["answers"]] == [True, False]
    rated = _post(client, f"/api/advice/requests/{pk}/rating/", {"score": 5, "comment": "خوب"})
    assert rated.status_code == 201
    assert _post(client, f"/api/advice/requests/{pk}/rating/", {"score": 4}).status_code == 409
    listed = client.get("/api/advice/requests/", HTTP_HOST=MAIN).json()
    assert listed["count"] == 1 and listed["results"][0]["answers"] == 2

    client.force_login(owner_of(first))
    mine = client.get(f"/api/advice/offered/{pk}/", HTTP_HOST=MAIN).json()
    assert mine["chosen"] is True and mine["customer"]["mobile"] == buyer.mobile
    client.force_login(owner_of(second))
    theirs = client.get(f"/api/advice/offered/{pk}/", HTTP_HOST=MAIN).json()
    assert theirs["chosen"] is False and theirs["customer"] is None
    assert theirs["state"] == "accepted"

    client.force_login(buyer)
    cancelled = _post(client, f"/api/advice/requests/{pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert _post(client, f"/api/advice/requests/{pk}/cancel/").status_code == 409
    assert AdviceRequest.objects.get(pk=pk).state == AdviceRequest.State.CANCELLED


def test_bad_input_is_a_400_or_422_and_changes_nothing(client, near, buyer, line):
    client.force_login(buyer)
    assert (
        _post(client, "/api/advice/requests/", {"line": line.code, "latitude": 91}).status_code
        == 400
    )
    half = _post(client, "/api/advice/requests/", {"line": line.code, "latitude": 35.7})
    assert half.status_code == 422
    assert not AdviceRequest.objects.exists()


def test_a_suspended_agency_is_refused_and_a_stranger_is_not_a_member(client, posted, near, buyer):
    first = near[0]
    Agency.objects.filter(pk=first.pk).update(status=Agency.Status.SUSPENDED)
    client.force_login(owner_of(first))
    response = _post(client, f"/api/advice/offered/{posted.pk}/answer/", {"message": "x"})
    assert response.status_code == 403 and response.json()["code"] == "agency_inactive"
    client.force_login(buyer)
    assert client.get("/api/advice/offered/", HTTP_HOST=MAIN).status_code == 403
    assert posted.answers.count() == 0


def test_anonymous_calls_need_a_login(client):
    assert client.get("/api/advice/requests/", HTTP_HOST=MAIN).status_code == 401

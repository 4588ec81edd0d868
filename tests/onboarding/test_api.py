"""The applicant's API (decision 017): start, read, correct, upload, submit; one error shape;
another account's application is a 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onboarding.models import AgencyApplication
from tests.factories import create_user
from tests.files import png_bytes
from tests.onboarding.conftest import State, make_application

pytestmark = pytest.mark.django_db

API = "/api/agency-applications/"
BODY = {
    "first_name": "مريم",
    "last_name": "كاظمی",
    "national_code": "۰۴۹۹۳۷۰۸۹۹",
    "province": "تهران",
    "city": "تهران",
    "address": "خیابان ولیعصر",
    "latitude": 35.7,
    "longitude": 51.4,
    "accept_terms": True,
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _json(client, method, path, body=None):
    return getattr(client, method)(
        path, body or {}, content_type="application/json", HTTP_HOST="localhost"
    )


def test_the_whole_application_through_the_api(applicant, lines):
    client = _client(applicant)
    created = _json(client, "post", API, BODY)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["state"], data["first_name"], data["national_code"]) == (
        "draft",
        "مریم",
        "0499370899",
    )
    assert data["missing"] == ["kind", "line_codes", "licence_number", "licence_file"]
    path = f"{API}{data['id']}/"
    refused = _json(client, "post", f"{path}submit/")
    assert refused.status_code == 422 and set(refused.json()["fields"]) == set(data["missing"])
    patched = _json(
        client,
        "patch",
        path,
        {"kind": "marketer", "line_codes": ["fire", "travel"], "licence_number": "ab-123"},
    )
    assert patched.status_code == 200 and patched.json()["licence_number"] == "AB123"
    bad = client.post(
        f"{path}licence/",
        {"file": SimpleUploadedFile("licence.png", b"<html></html>", "image/png")},
        HTTP_HOST="localhost",
    )
    assert bad.status_code == 422 and "file" in bad.json()["fields"]
    uploaded = client.post(
        f"{path}licence/",
        {"file": SimpleUploadedFile("licence.png", png_bytes(), "image/png")},
        HTTP_HOST="localhost",
    )
    assert uploaded.status_code == 200 and uploaded.json()["licence_uploaded"] is True
    submitted = _json(client, "post", f"{path}submit/")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    again = _json(client, "post", f"{path}submit/")
    assert again.status_code == 409 and again.json()["code"] == "application_state"
    listed = client.get(API, HTTP_HOST="localhost").json()
    assert [item["id"] for item in listed] == [data["id"]]


def test_refusals_have_the_one_error_shape(applicant, lines):
    client = _client(applicant)
    response = _json(client, "post", API, {**BODY, "accept_terms": False})
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "code", "fields"}
    assert "accept_terms" in response.json()["fields"]
    response = _json(client, "post", API, {**BODY, "national_code": "0499370898"})
    assert response.status_code == 422 and "national_code" in response.json()["fields"]
    response = _json(client, "post", API, {**BODY, "latitude": 200})
    assert response.status_code == 400
    assert AgencyApplication.objects.count() == 0
    assert Client().get(API, HTTP_HOST="localhost").status_code == 401


def test_a_duplicate_national_code_is_refused(lines):
    make_application(create_user())
    response = _json(_client(create_user()), "post", API, BODY)
    assert response.status_code == 422
    assert "کد ملی" in response.json()["fields"]["national_code"][0]


def test_another_applicants_application_is_a_404_on_every_operation(applicant, lines):
    application = make_application(applicant, state=State.DRAFT)
    stranger = _client(create_user())
    path = f"{API}{application.public_id}/"
    assert stranger.get(path, HTTP_HOST="localhost").status_code == 404
    assert _json(stranger, "patch", path, {"city": "کرج"}).status_code == 404
    assert _json(stranger, "post", f"{path}submit/").status_code == 404
    upload = stranger.post(
        f"{path}licence/",
        {"file": SimpleUploadedFile("licence.png", png_bytes(), "image/png")},
        HTTP_HOST="localhost",
    )
    assert upload.status_code == 404
    application.refresh_from_db()
    assert (application.city, application.state) == ("تهران", State.DRAFT)
    assert not application.licence_file

"""The sign-up pages on the main site and the applications on the ops host: who sees what,
the two stages, the correction round trip, the licence photo served through ops only, and
fixed query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onboarding.models import AgencyApplication
from tenants.models import Agency
from tests.factories import create_user
from tests.files import png_bytes
from tests.onboarding.conftest import NATIONAL_CODES, State, make_application

pytestmark = pytest.mark.django_db

MAIN = "localhost"
OPS = "ops.localhost"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_sign_up_pages_are_on_the_main_site_only(agency, applicant):
    assert _client().get("/agency-signup/", HTTP_HOST=MAIN).status_code == 200
    assert _client().get("/agency-signup/terms/", HTTP_HOST=MAIN).status_code == 200
    for path in ("/agency-signup/", "/agency-signup/terms/", "/agency-signup/apply/"):
        assert _client(applicant).get(path, HTTP_HOST="ar685.localhost").status_code == 404
    response = _client(applicant).post(
        "/api/agency-applications/",
        {},
        content_type="application/json",
        HTTP_HOST="ar685.localhost",
    )
    assert response.status_code == 404


def test_applying_needs_the_sms_login():
    response = _client().get("/agency-signup/apply/", HTTP_HOST=MAIN)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/agency-signup/apply/")


def test_both_stages_and_the_submission_through_the_pages(applicant, lines):
    client = _client(applicant)
    response = client.post(
        "/agency-signup/apply/",
        {
            "first_name": "مريم",
            "last_name": "كاظمی",
            "national_code": "۰۴۹۹۳۷۰۸۹۹",
            "province": "تهران",
            "city": "تهران",
            "address": "خیابان ولیعصر",
            "latitude": "۳۵٫۷",
            "longitude": "51.4",
        },
        HTTP_HOST=MAIN,
    )
    # The terms were not accepted: nothing saved, the Persian message on the box.
    assert response.status_code == 400
    assert "مقررات را بخوانید و بپذیرید" in response.content.decode()
    assert AgencyApplication.objects.count() == 0
    response = client.post(
        "/agency-signup/apply/",
        {
            "first_name": "مريم",
            "last_name": "كاظمی",
            "national_code": "۰۴۹۹۳۷۰۸۹۹",
            "province": "تهران",
            "city": "تهران",
            "address": "خیابان ولیعصر",
            "latitude": "۳۵٫۷",
            "longitude": "51.4",
            "accept_terms": "on",
        },
        HTTP_HOST=MAIN,
    )
    application = AgencyApplication.objects.get()
    assert response.status_code == 302 and response.url.endswith(
        f"/agency-signup/{application.public_id}/documents/"
    )
    assert (application.first_name, application.national_code) == ("مریم", "0499370899")
    documents = f"/agency-signup/{application.public_id}/documents/"
    upload = {"kind": "broker", "line_codes": ["fire"], "licence_number": "۱۲۳-۴۵۶"}
    with open(__file__, "rb") as not_an_image:
        response = client.post(
            documents, {**upload, "licence_file": not_an_image, "submit": "1"}, HTTP_HOST=MAIN
        )
    assert response.status_code == 400
    assert "JPG" in response.content.decode()
    application.refresh_from_db()
    assert application.state == State.DRAFT and not application.licence_file
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("licence.png", png_bytes(), "image/png")
    response = client.post(
        documents, {**upload, "licence_file": photo, "submit": "1"}, HTTP_HOST=MAIN
    )
    application.refresh_from_db()
    assert response.status_code == 302
    assert (application.state, application.kind, application.licence_number) == (
        State.SUBMITTED,
        "broker",
        "123456",
    )
    page = client.get(f"/agency-signup/{application.public_id}/", HTTP_HOST=MAIN)
    assert 'data-state="submitted"' in page.content.decode()


def test_the_applicant_reads_the_correction_note_corrects_and_sends_again(
    applicant, operator, lines
):
    application = make_application(applicant, state=State.CORRECTION_REQUESTED, operator=operator)
    client = _client(applicant)
    page = client.get(f"/agency-signup/{application.public_id}/", HTTP_HOST=MAIN).content.decode()
    assert "عکس پروانه خوانا نیست" in page and 'id="application-submit"' in page
    response = client.post(f"/agency-signup/{application.public_id}/submit/", HTTP_HOST=MAIN)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.RESUBMITTED
    # No more edits while it waits.
    edit = client.get(f"/agency-signup/{application.public_id}/edit/", HTTP_HOST=MAIN)
    assert edit.status_code == 302


def test_a_rejected_applicant_reads_the_reason(applicant, operator, lines):
    application = make_application(applicant, state=State.REJECTED, operator=operator)
    page = _client(applicant).get(f"/agency-signup/{application.public_id}/", HTTP_HOST=MAIN)
    assert "پروانه معتبر نیست" in page.content.decode()


def test_another_applicants_application_is_a_404(applicant, lines):
    application = make_application(applicant, state=State.DRAFT)
    stranger = _client(create_user())
    for suffix in ("", "edit/", "documents/"):
        path = f"/agency-signup/{application.public_id}/{suffix}"
        assert stranger.get(path, HTTP_HOST=MAIN).status_code == 404
    assert (
        stranger.post(f"/agency-signup/{application.public_id}/submit/", HTTP_HOST=MAIN).status_code
        == 404
    )
    assert (
        stranger.post(
            f"/agency-signup/{application.public_id}/edit/",
            {"city": "کرج"},
            HTTP_HOST=MAIN,
        ).status_code
        == 404
    )
    application.refresh_from_db()
    assert application.city == "تهران"


# ---- ops ---------------------------------------------------------------------------------


def _many(count: int) -> None:
    for n in range(count):
        make_application(
            create_user(),
            national_code=NATIONAL_CODES[n],
            licence_number=f"LIC{n:05d}",
            first_name=f"نام{n}",
        )


def test_the_queue_and_the_page_run_a_fixed_number_of_queries(operator, lines):
    client = _client(operator)
    _many(2)
    client.get("/agency-applications/", HTTP_HOST=OPS)  # warm caches (host, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/agency-applications/?state=", HTTP_HOST=OPS).status_code == 200
    _many_more = [NATIONAL_CODES[2], NATIONAL_CODES[3], NATIONAL_CODES[4]]
    for n, code in enumerate(_many_more):
        make_application(create_user(), national_code=code, licence_number=f"MORE{n:03d}")
    with CaptureQueriesContext(connection) as more:
        response = client.get("/agency-applications/?state=", HTTP_HOST=OPS)
    assert response.content.decode().count('id="application-') == 5
    assert len(more) == len(few)
    counts = set()
    for application in AgencyApplication.objects.order_by("pk")[:2]:
        with CaptureQueriesContext(connection) as detail:
            page = client.get(f"/agency-applications/{application.pk}/", HTTP_HOST=OPS)
        assert page.status_code == 200
        counts.add(len(detail))
    assert len(counts) == 1


def test_the_queue_filters_by_state_and_searches_normalised_text(operator, lines):
    client = _client(operator)
    make_application(create_user(), first_name="علي", last_name="كريمي")
    make_application(
        create_user(), state=State.DRAFT, national_code=NATIONAL_CODES[1], first_name="رضا"
    )
    waiting = client.get("/agency-applications/", HTTP_HOST=OPS).content.decode()
    assert "علی کریمی" in waiting and "رضا" not in waiting
    found = client.get("/agency-applications/?state=&q=كريمى", HTTP_HOST=OPS).content.decode()
    assert found.count('id="application-') == 1 and "علی کریمی" in found
    by_code = client.get("/agency-applications/?state=&q=۰۴۹۹", HTTP_HOST=OPS).content.decode()
    assert by_code.count('id="application-') == 1
    drafts = client.get("/agency-applications/?state=draft", HTTP_HOST=OPS).content.decode()
    assert "رضا" in drafts and "علی کریمی" not in drafts


def test_the_queue_is_paginated(operator, lines, monkeypatch):
    from onboarding import ops_views

    monkeypatch.setattr(ops_views, "PAGE_SIZE", 2)
    _many(3)
    first = _client(operator).get("/agency-applications/", HTTP_HOST=OPS).content.decode()
    following = re.search(r'class="page-link keyset-next" href="\?([^"]+)"', first)
    assert first.count('id="application-') == 2 and following
    link = following.group(1).replace("&amp;", "&")
    second = _client(operator).get(f"/agency-applications/?{link}", HTTP_HOST=OPS)
    assert second.content.decode().count('id="application-') == 1


def test_the_licence_photo_leaves_through_ops_only(operator, applicant, lines):
    application = make_application(applicant)
    path = f"/agency-applications/{application.pk}/licence/"
    response = _client(operator).get(path, HTTP_HOST=OPS)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    page = _client(operator).get(f"/agency-applications/{application.pk}/", HTTP_HOST=OPS)
    assert f'src="{path}"' in page.content.decode()
    # Not for the applicant, a customer or on any other host.
    assert _client(applicant).get(path, HTTP_HOST=OPS).status_code == 404
    assert _client(operator).get(path, HTTP_HOST=MAIN).status_code == 404


def test_an_operator_approves_on_ops_and_the_agency_site_answers(operator, applicant, lines):
    application = make_application(applicant)
    client = _client(operator)
    page = client.get(f"/agency-applications/{application.pk}/", HTTP_HOST=OPS).content.decode()
    suggested = re.search(r'name="code" value="(\d+)"', page).group(1)
    response = client.post(
        f"/agency-applications/{application.pk}/approve/", {"code": suggested}, HTTP_HOST=OPS
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code=int(suggested))
    assert _client().get("/", HTTP_HOST=f"ar{agency.code}.localhost").status_code == 200
    assert _client(applicant).get("/", HTTP_HOST="panel.localhost").status_code == 200


def test_ops_reject_and_correction_refuse_an_empty_note(operator, applicant, lines):
    application = make_application(applicant)
    client = _client(operator)
    for action in ("reject", "correction"):
        response = client.post(
            f"/agency-applications/{application.pk}/{action}/", {"note": ""}, HTTP_HOST=OPS
        )
        assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    client.post(
        f"/agency-applications/{application.pk}/reject/",
        {"note": "پروانه منقضی شده است"},
        HTTP_HOST=OPS,
    )
    application.refresh_from_db()
    assert (application.state, application.note) == (State.REJECTED, "پروانه منقضی شده است")


def test_the_ops_home_counts_applications_waiting(operator, applicant, lines):
    make_application(applicant)
    home = _client(operator).get("/", HTTP_HOST=OPS).content.decode()
    assert re.search(r'id="ops-card-applications".*?data-waiting="1"', home, re.S)


def test_the_applicants_pages_run_a_fixed_number_of_queries(operator, lines):
    def count(client, path: str) -> int:
        client.get(path, HTTP_HOST=MAIN)  # warm caches (host, session)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, HTTP_HOST=MAIN).status_code == 200
        return len(captured)

    one, three = create_user(), create_user()
    first = make_application(one, state=State.CORRECTION_REQUESTED, operator=operator)
    for n in range(2):
        make_application(
            three,
            state=State.REJECTED,
            operator=operator,
            national_code=NATIONAL_CODES[n + 1],
            licence_number=f"REJ{n:03d}",
        )
    last = make_application(three, national_code=NATIONAL_CODES[3], licence_number="LAST01")
    assert count(_client(one), "/agency-signup/") == count(_client(three), "/agency-signup/")
    assert count(_client(one), f"/agency-signup/{first.public_id}/") == count(
        _client(three), f"/agency-signup/{last.public_id}/"
    )
    other = make_application(
        create_user(), state=State.DRAFT, national_code=NATIONAL_CODES[4], licence_number="X1234"
    )
    for page in ("documents/", "edit/"):
        assert count(_client(one), f"/agency-signup/{first.public_id}/{page}") == count(
            _client(other.applicant), f"/agency-signup/{other.public_id}/{page}"
        )


def test_the_main_home_offers_the_sign_up_and_agency_sites_do_not(client, agency):
    main = client.get("/", HTTP_HOST="localhost").content.decode()
    assert 'id="home-agency-signup"' in main and 'href="/agency-signup/"' in main
    assert "نماینده شوید" in main
    on_agency = client.get("/", HTTP_HOST="ar685.localhost").content.decode()
    assert 'id="home-agency-signup"' not in on_agency
    assert 'id="home-quote"' in on_agency  # the other actions stay

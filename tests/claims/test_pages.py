"""The claims' pages: the customer's (main and agency sites), the ops queue and claim, the
agency panel's read-only view; who may see what (swapped ids answer 404) and query counts
that do not grow with the rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, ClaimDocument
from core.models import SmsMessage
from tests.claims.conftest import (
    MAIN,
    OPS,
    PANEL,
    add_required_documents,
    file_claim,
    sell,
    upload,
)
from tests.factories import create_user
from tests.files import png_bytes

pytestmark = pytest.mark.django_db
AGENCY = "ar685.localhost"


def fa(text: str) -> str:
    """``text`` as the pages show it (Persian digits)."""
    from core.templatetags.jalali import fa_digits

    return fa_digits(text)


def _queries(client, url, host) -> tuple[int, object]:
    client.get(url, HTTP_HOST=host)  # the first request after a login writes the session
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_HOST=host)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


def test_a_customer_files_a_claim_on_the_agency_site_and_uploads_documents(
    client, policy, customer
):
    client.force_login(customer)
    url = f"/claims/file/{policy.number}/"
    form = client.get(url, HTTP_HOST=AGENCY)
    assert form.status_code == 200 and "گواهینامه رانندگی" in form.content.decode()
    # Persian digits, Arabic letters: accepted and normalised.
    day = policy.start_date.strftime("%Y/%m/%d")
    from core.jalali import format_jalali_date

    day = format_jalali_date(policy.start_date)
    response = client.post(
        url,
        {
            "occurred_on": day,
            "occurred_time": "۱۴:۳۰",
            "province": "تهران",
            "city": "تهران",
            "place": "بزرگراه همت",
            "description": "تصادف با كاميون",
        },
        HTTP_HOST=AGENCY,
    )
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.public_id}/"
    assert claim.description == "تصادف با کامیون"
    page = client.get(f"/claims/{claim.public_id}/", HTTP_HOST=AGENCY)
    assert page.status_code == 200 and fa(claim.number) in page.content.decode()
    uploaded = client.post(
        f"/claims/{claim.public_id}/documents/",
        {"kind": "vehicle_card", "file": upload()},
        HTTP_HOST=AGENCY,
    )
    assert uploaded.status_code == 302
    document = ClaimDocument.objects.get()
    download = client.get(
        f"/claims/{claim.public_id}/documents/{document.public_id}/", HTTP_HOST=AGENCY
    )
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert "attachment" in download["Content-Disposition"]
    # A bad file: a Persian refusal on the page, nothing kept.
    refused = client.post(
        f"/claims/{claim.public_id}/documents/",
        {"kind": "vehicle_card", "file": upload("x.png", b"not an image")},
        HTTP_HOST=AGENCY,
    )
    assert refused.status_code == 400 and "JPG" in refused.content.decode()
    assert ClaimDocument.objects.count() == 1


def test_refusals_are_shown_in_persian_on_the_form(client, policy, customer):
    client.force_login(customer)
    from core.jalali import format_jalali_date

    values = {
        "occurred_on": format_jalali_date(policy.start_date),
        "occurred_time": "25:00",
        "province": "تهران",
        "city": "تهران",
        "place": "x",
        "description": "y",
    }
    response = client.post(f"/claims/file/{policy.number}/", values, HTTP_HOST=AGENCY)
    assert (
        response.status_code == 400
        and "۱۴:۳۰" in response.content.decode()
        or "14:30" in (response.content.decode())
    )
    values["occurred_time"] = "10:00"
    values["occurred_on"] = "1390/01/01"
    response = client.post(f"/claims/file/{policy.number}/", values, HTTP_HOST=AGENCY)
    assert response.status_code == 400 and "خارج از" in response.content.decode()
    file_claim(policy, days_ago=1, hour=10)
    assert not Claim.objects.filter(place="x").exists()


def test_someone_elses_policy_or_claim_is_404_with_swapped_ids(client, policy, motor, agency):
    mine = file_claim(policy)
    add_required_documents(mine)
    document = mine.documents.first()
    stranger = create_user()
    their_policy = sell(motor, customer=stranger, agency=agency)
    theirs = file_claim(their_policy)
    their_document = ClaimDocument.objects.create(
        claim=theirs,
        kind="vehicle_card",
        file="claims/x/y.png",
        content_type="image/png",
        size=1,
        original_name="y.png",
        sha256="0" * 64,
    )
    client.force_login(policy.customer)
    for url in (
        f"/claims/file/{their_policy.number}/",
        f"/claims/{theirs.public_id}/",
        f"/claims/{theirs.public_id}/documents/{their_document.public_id}/",
        # My claim with their document, their claim with my document.
        f"/claims/{mine.public_id}/documents/{their_document.public_id}/",
        f"/claims/{theirs.public_id}/documents/{document.public_id}/",
        f"/api/claims/{theirs.public_id}/",
    ):
        assert client.get(url, HTTP_HOST=AGENCY).status_code == 404, url
    before = ClaimDocument.objects.count()
    response = client.post(
        f"/claims/{theirs.public_id}/documents/",
        {"kind": "vehicle_card", "file": upload()},
        HTTP_HOST=AGENCY,
    )
    assert response.status_code == 404 and ClaimDocument.objects.count() == before


def test_a_claim_is_seen_on_the_site_that_sold_the_policy_and_on_the_main_site_only(
    client, policy, other_agency
):
    claim = file_claim(policy)
    client.force_login(policy.customer)
    assert client.get(f"/claims/{claim.public_id}/", HTTP_HOST=AGENCY).status_code == 200
    assert client.get(f"/claims/{claim.public_id}/", HTTP_HOST="ar686.localhost").status_code == 404
    assert (
        client.get(f"/claims/file/{policy.number}/", HTTP_HOST="ar686.localhost").status_code == 404
    )


def test_on_the_main_site_an_agency_policy_files_on_its_site_unless_that_site_is_closed(
    client, policy, agency
):
    from tenants.services import agency_set_status

    client.force_login(policy.customer)
    response = client.get(f"/claims/file/{policy.number}/", HTTP_HOST=MAIN)
    assert response.status_code == 302 and "ar685.localhost" in response["Location"]
    agency_set_status(agency=agency, status="suspended", actor=None)
    response = client.get(f"/claims/file/{policy.number}/", HTTP_HOST=MAIN)
    assert response.status_code == 200 and 'id="claim-form"' in response.content.decode()


def test_the_account_page_has_my_claims_and_the_file_a_claim_action(
    client, policy, motor, customer
):
    client.force_login(customer)
    file_claim(policy)
    count, response = _queries(client, "/account/", AGENCY)
    body = response.content.decode()
    assert 'id="my-claims"' in body and fa("C1405") in body
    assert f'href="/claims/file/{policy.number}/" class="policy-claim' in body
    for n in range(6):
        file_claim(sell(motor, customer=customer, agency=policy.agency), days_ago=n + 1)
    more, response = _queries(client, "/account/", AGENCY)
    assert more == count
    assert "/claims/" in response.content.decode()


def test_my_claims_list_is_paginated_with_constant_queries(client, policy, motor, customer):
    client.force_login(customer)
    file_claim(policy)
    one, _ = _queries(client, "/claims/", MAIN)
    for n in range(5):
        file_claim(sell(motor, customer=customer, agency=policy.agency), days_ago=n + 2)
    many, response = _queries(client, "/claims/", MAIN)
    assert many == one and response.content.decode().count("data-claim=") == 6


def test_claim_page_queries_do_not_grow_with_documents(client, policy, customer):
    client.force_login(customer)
    claim = file_claim(policy)
    services_upload = __import__("claims.services", fromlist=["x"]).claim_document_add
    services_upload(claim=claim, actor=customer, kind="damage_photos", uploaded=upload())
    one, _ = _queries(client, f"/claims/{claim.public_id}/", AGENCY)
    for _n in range(4):
        services_upload(claim=claim, actor=customer, kind="damage_photos", uploaded=upload())
    many, _ = _queries(client, f"/claims/{claim.public_id}/", AGENCY)
    assert many == one


# ---- ops ---------------------------------------------------------------------------------


def test_ops_queue_is_oldest_first_filtered_searched_and_constant_in_queries(
    client, policy, motor, customer, operator
):
    client.force_login(operator)
    first = file_claim(policy, days_ago=3)
    one, response = _queries(client, "/claims/", OPS)
    assert fa(first.number) in response.content.decode()
    other = create_user(first_name="كاظم", last_name="يزدي")
    second = file_claim(sell(motor, customer=other), days_ago=2)
    Claim.objects.filter(pk=second.pk).update(insured_name="كاظم يزدي")
    for n in range(5):
        file_claim(sell(motor, customer=customer), days_ago=n + 1)
    many, response = _queries(client, "/claims/", OPS)
    assert many == one
    body = response.content.decode()
    assert body.index(fa(first.number)) < body.index(fa(second.number))
    # Search: typed with Persian ی/ک, stored with Arabic ي/ك, found the same.
    _count, found = _queries(client, "/claims/?q=کاظم+یزدی", OPS)
    assert (
        fa(second.number) in found.content.decode()
        and fa(first.number) not in found.content.decode()
    )
    _count, filtered = _queries(client, "/claims/?state=paid", OPS)
    assert fa(first.number) not in filtered.content.decode()
    _count, by_line = _queries(client, "/claims/?line=third_party&state=filed", OPS)
    assert fa(first.number) in by_line.content.decode()


def test_ops_pages_are_for_the_claims_staff_only(client, policy):
    claim = file_claim(policy)
    for person in (create_user(insurer_role="marketing"), policy.customer):
        client.force_login(person)
        assert client.get("/claims/", HTTP_HOST=OPS).status_code == 404
        assert client.get(f"/claims/{claim.public_id}/", HTTP_HOST=OPS).status_code == 404
        response = client.post(f"/claims/{claim.public_id}/reject/", {"reason": "x"}, HTTP_HOST=OPS)
        assert response.status_code == 404
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.FILED


def test_ops_works_a_claim_to_paid(
    client, policy, operator, assessor, django_capture_on_commit_callbacks
):
    claim = file_claim(policy)
    add_required_documents(claim)
    client.force_login(operator)
    base = f"/claims/{claim.public_id}/"
    one, page = _queries(client, base, OPS)
    assert "act-complete" in page.content.decode()
    steps = [
        ("complete", {}),
        ("assessor", {"assessor": str(assessor.pk)}),
        (
            "assess",
            {
                "damage": "۸۰۰۰۰۰۰۰",
                "sum_insured": "100000000",
                "deductible": "5000000",
                "ratio_percent": "90",
            },
        ),
        ("approve", {}),
        ("order", {}),
        ("paid", {"reference": "۱۲۳۴۵"}),
    ]
    for action, data in steps:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{base}{action}/", data, HTTP_HOST=OPS)
        assert response.status_code == 302, (action, response.content.decode()[:2000])
    claim.refresh_from_db()
    assert claim.state == Claim.State.PAID and claim.amount == Decimal("67500000")
    assert claim.payment_reference == "12345"
    assert SmsMessage.objects.filter(kind="claim_filed").count() == 1
    assert SmsMessage.objects.filter(kind="claim_payment").count() == 1
    many, page = _queries(client, base, OPS)
    assert "67" in page.content.decode() or "۶۷" in page.content.decode()
    # Paying again: refused, nothing changes.
    response = client.post(f"{base}paid/", {"reference": "9"}, HTTP_HOST=OPS)
    assert response.status_code == 409
    assert Claim.objects.get(pk=claim.pk).payment_reference == "12345"


def test_ops_refusals_keep_the_claim(client, policy, operator):
    claim = file_claim(policy)
    client.force_login(operator)
    base = f"/claims/{claim.public_id}/"
    response = client.post(f"{base}complete/", HTTP_HOST=OPS)
    assert response.status_code == 409 and "کارت خودرو" in response.content.decode()
    response = client.post(f"{base}reject/", {"reason": ""}, HTTP_HOST=OPS)
    assert response.status_code == 400
    response = client.post(f"{base}request/", {"note": "عکس خسارت"}, HTTP_HOST=OPS)
    assert response.status_code == 302
    assert SmsMessage.objects.filter(kind="claim_documents").count() == 1
    assert client.post(f"{base}nonsense/", HTTP_HOST=OPS).status_code == 404
    assert Claim.objects.get(pk=claim.pk).state == Claim.State.FILED


def test_ops_home_shows_the_waiting_count(client, policy, operator):
    file_claim(policy)
    client.force_login(operator)
    body = client.get("/", HTTP_HOST=OPS).content.decode()
    assert 'id="ops-card-claims"' in body


# ---- panel -------------------------------------------------------------------------------


def test_the_selling_agency_sees_its_customers_claims_read_only(
    client, policy, agency, other_agency, motor, customer
):
    claim = file_claim(policy)
    add_required_documents(claim)
    document = claim.documents.first()
    owner = agency.memberships.get().user
    client.force_login(owner)
    one, response = _queries(client, "/policy-claims/", PANEL)
    assert fa(claim.number) in response.content.decode()
    for n in range(4):
        file_claim(sell(motor, customer=customer, agency=agency), days_ago=n + 2)
    many, _ = _queries(client, "/policy-claims/", PANEL)
    assert many == one
    assert client.get(f"/policy-claims/{claim.public_id}/", HTTP_HOST=PANEL).status_code == 200
    download = client.get(
        f"/policy-claims/{claim.public_id}/documents/{document.public_id}/", HTTP_HOST=PANEL
    )
    assert download.status_code == 200
    # Another agency: nothing of it, 404 by id.
    client.force_login(other_agency.memberships.get().user)
    listing = client.get("/policy-claims/", HTTP_HOST=PANEL)
    assert listing.status_code == 200 and fa(claim.number) not in listing.content.decode()
    for url in (
        f"/policy-claims/{claim.public_id}/",
        f"/policy-claims/{claim.public_id}/documents/{document.public_id}/",
    ):
        assert client.get(url, HTTP_HOST=PANEL).status_code == 404


def test_a_document_of_another_claim_is_404_in_the_panel(client, policy, agency, motor, customer):
    mine = file_claim(policy)
    other = file_claim(sell(motor, customer=customer), days_ago=2)  # main-site sale
    document = ClaimDocument.objects.create(
        claim=other,
        kind="vehicle_card",
        file="claims/x/z.png",
        content_type="image/png",
        size=len(png_bytes()),
        original_name="z.png",
        sha256="0" * 64,
    )
    client.force_login(agency.memberships.get().user)
    url = f"/policy-claims/{mine.public_id}/documents/{document.public_id}/"
    assert client.get(url, HTTP_HOST=PANEL).status_code == 404
    assert client.get(f"/policy-claims/{other.public_id}/", HTTP_HOST=PANEL).status_code == 404


def test_ops_and_panel_claim_pages_cost_the_same_queries_whatever_the_documents(
    client, policy, customer, operator, agency
):
    from claims.services import claim_document_add

    claim = file_claim(policy)
    claim_document_add(claim=claim, actor=customer, kind="damage_photos", uploaded=upload())
    owner = agency.memberships.get().user
    client.force_login(operator)
    ops_one, _ = _queries(client, f"/claims/{claim.public_id}/", OPS)
    client.force_login(owner)
    panel_one, _ = _queries(client, f"/policy-claims/{claim.public_id}/", PANEL)
    for _n in range(4):
        claim_document_add(claim=claim, actor=customer, kind="damage_photos", uploaded=upload())
    client.force_login(operator)
    ops_many, _ = _queries(client, f"/claims/{claim.public_id}/", OPS)
    client.force_login(owner)
    panel_many, _ = _queries(client, f"/policy-claims/{claim.public_id}/", PANEL)
    assert (ops_many, panel_many) == (ops_one, panel_one)

"""Done means: each of the four lines can be bought on both kinds of site and gives a correct PDF."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from policies.models import Order
from policies.services.documents import policy_pdf_render
from policies.services.issuance import policy_issue
from policies.services.orders import delivery_dates
from tests.factories import create_user
from tests.files import pdf_bytes
from tests.policies.test_purchase_pages import INSURED, pay

pytestmark = pytest.mark.django_db
PDF = pdf_bytes()

LINES = {
    "third_party": (
        {
            "vehicle_group": "sedan4",
            "usage": "personal",
            "production_year": "1399",
            "previous_insurer": "none",
        },
        {
            "plate_number": "12ب345-67",
            "chassis_number": "NAAM01CA9JK123456",
            "engine_number": "M15A1234567",
        },
        "vehicle_card",
    ),
    "motor_hull": (
        {
            "vehicle_value": "1500000000",
            "production_year": "1401",
            "theft": "on",
            "no_claim_years": "1",
        },
        {
            "plate_number": "44د555-10",
            "chassis_number": "NAAM01CA9JK000001",
            "engine_number": "M15A0000001",
        },
        "vehicle_card",
    ),
    "fire": (
        {
            "building_type": "steel",
            "area": "95",
            "cost_per_m2": "120000000",
            "contents_value": "800000000",
            "flood": "on",
        },
        {"postal_code": "۱۴۳۶۷۸۹۱۲۳", "building_address": "تهران، خیابان انقلاب، پلاک ۱۰، واحد ۲"},
        "property_deed",
    ),
    "travel": (
        {"zone": "asia", "duration": "15", "age": "35"},
        {"passport_number": "P12345678", "destination_country": "مالزی"},
        "passport",
    ),
}


@pytest.mark.parametrize("host", ["localhost", "ar685.localhost"])
@pytest.mark.parametrize("code", list(LINES))
def test_buy_each_line_on_each_kind_of_site_and_get_its_pdf(
    client, catalog, agency, customer, code, host
):
    quote_answers, details, document = LINES[code]
    client.force_login(customer)
    response = client.post(f"/insurance/{code}/", quote_answers, HTTP_HOST=host)
    assert response.status_code == 302, response.content.decode()[:3000]
    quote_id = response["Location"].rstrip("/").rsplit("/", 1)[1]
    client.get(response["Location"], HTTP_HOST=host)
    assert client.post(f"/orders/start/{quote_id}/", HTTP_HOST=host).status_code == 302
    order = Order.objects.get(quote__public_id=quote_id)
    base = f"/orders/{order.public_id}"
    assert client.post(f"{base}/insured/", INSURED, HTTP_HOST=host).status_code == 302
    step = client.post(f"{base}/details/", details, HTTP_HOST=host)
    assert step.status_code == 302, step.content.decode()[:3000]
    upload = {document: SimpleUploadedFile("doc.pdf", PDF), "continue": "1"}
    assert client.post(f"{base}/documents/", upload, HTTP_HOST=host).status_code == 302
    delivery = {"method": "in_person", "date": delivery_dates()[0].isoformat(), "slot": "15-18"}
    assert client.post(f"{base}/delivery/", delivery, HTTP_HOST=host)["Location"].endswith(
        "/review/"
    )
    pay(client, host, order)
    order.refresh_from_db()
    assert order.state == "paid"

    issuer = (
        agency.memberships.get().user
        if host != "localhost"
        else create_user(insurer_role=User.InsurerRole.OPERATOR)
    )
    if host != "localhost":
        agency.can_issue = True
        agency.save()
    policy = policy_issue(order=order, actor=issuer)
    assert re.fullmatch(rf"\d{{4}}-{order.line.number_code:02d}-000001", policy.number)
    assert policy.premium == order.premium == order.quote.premium
    assert (policy.end_date - policy.start_date).days == order.term_days
    assert policy_pdf_render(policy_id=policy.pk) is True
    policy.refresh_from_db()
    response = client.get(f"/policies/{policy.number}/pdf/", HTTP_HOST=host)
    assert response.status_code == 200
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    assert policy.verification_code in text
    text = text.replace("\u200c", "")  # extraction drops zero-width non-joiners
    for word in order.line.name.replace("\u200c", "").split():
        assert word in text or word[::-1] in text

"""Lists elsewhere in the CRM lead to the customer's card (issue 12, item 7): the cases,
complaints, cheques, panel sales, the book and the reports name a customer as a link to the card."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import BookPolicy, Case, Complaint, CustomerRank, Instrument, PanelSale
from tests.crm.conftest import inside, owner_of
from tests.crm.test_panel_customers import PANEL, make

pytestmark = pytest.mark.django_db


def test_every_list_naming_a_customer_links_to_the_card(client, agency):
    owner_client = client
    owner_client.force_login(owner_of(agency))
    customer = make(agency, first="نرگس", last="پیوندی", phones=["09125550000"])
    with inside(agency):
        case = Case.objects.create(customer=customer, kind="sale", title="فروش پیوند")
        complaint = Complaint.objects.create(customer=customer, subject="شکایت پیوند", text="دیر")
        instrument = Instrument.objects.create(
            customer=customer,
            kind="cheque",
            amount=Decimal("5000000"),
            due_date=dt.date(2026, 12, 30),
            number="CH-1",
        )
        PanelSale.objects.create(
            customer=customer,
            order_id=987654,
            order_public_id=uuid.uuid4(),
            quote_id=1,
            line_code="fire",
            premium=Decimal("2000000"),
        )
        BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="asia",
            line_code="fire",
            number="LINK-1",
            end_date=dt.date(2027, 1, 1),
        )
        CustomerRank.objects.create(
            customer=customer, score=Decimal("2"), band="A", computed_at=timezone.now()
        )
    card = f'href="/crm/customers/{customer.pk}/"'
    for url in (
        "/cases/?scope=all",
        f"/cases/{case.pk}/",
        "/cases/complaints/",
        f"/cases/complaints/{complaint.pk}/",
        "/cheques/",
        f"/cheques/customer/{customer.pk}/new/",
        "/sell/",
        "/reports/ranked/",
        "/book/",
    ):
        response = owner_client.get(url, HTTP_HOST=PANEL)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert card in html, url
        assert "نرگس پیوندی" in html, url
    assert instrument.pk

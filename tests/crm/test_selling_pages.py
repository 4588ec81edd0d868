"""Selling from the panel, page by page: the staff's steps at ``sell/``, the link on the agency's
site, isolation between agencies and the list's query count."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import set_urlconf

from accounts.models import AgencyMembership, User
from crm.models import ContactLog, PanelSale
from crm.services.selling import sale_link_make
from policies.models import AgencyLine, Line, Order
from tests.crm.conftest import inside, owner_of
from tests.crm.test_selling import (
    DETAILS,
    MOBILE,
    THIRD_PARTY,
    catalog_ready,
    make_customer,
    order_for,
)
from tests.factories import create_user

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
SITE = "ar685.localhost"


@pytest.fixture
def shop(agency, monkeypatch):
    catalog_ready(monkeypatch)
    return agency


def _token(agency, order_id: int) -> str:
    return sale_link_make(agency=agency, order_id=order_id).rstrip("/").rsplit("/", 1)[1]


def test_staff_sell_from_the_card_to_the_link(client, shop, django_capture_on_commit_callbacks):
    customer = make_customer(shop)
    staff = AgencyMembership.objects.create(
        agency=shop, user=create_user(), role=AgencyMembership.Role.STAFF
    )
    client.force_login(staff.user)
    set_urlconf("config.urls_panel")  # as on the card's page, on the panel host
    try:
        button = render_to_string("crm/selling/_card_button.html", {"customer": customer})
    finally:
        set_urlconf(None)
    assert f'href="/sell/customers/{customer.pk}/"' in button
    start = client.get(f"/sell/customers/{customer.pk}/", HTTP_HOST=PANEL)
    assert start.status_code == 200
    assert 'data-line="third_party"' in start.content.decode()
    form = client.get(f"/sell/customers/{customer.pk}/third_party/", HTTP_HOST=PANEL)
    assert 'name="vehicle_group"' in form.content.decode()
    wrong = client.post(
        f"/sell/customers/{customer.pk}/third_party/",
        {**THIRD_PARTY, "production_year": "abc"},
        HTTP_HOST=PANEL,
    )
    assert wrong.status_code == 200 and "invalid-feedback" in wrong.content.decode()
    priced = client.post(
        f"/sell/customers/{customer.pk}/third_party/", THIRD_PARTY, HTTP_HOST=PANEL
    )
    assert priced.status_code == 302
    page = client.get(priced["Location"], HTTP_HOST=PANEL)
    body = page.content.decode()
    assert "۶۵٬۳۱۴٬۰۰۰" in body or "۶۵,۳۱۴,۰۰۰" in body
    assert 'name="national_code"' not in body  # the card has it
    made = client.post(priced["Location"], DETAILS, HTTP_HOST=PANEL)
    assert made.status_code == 302
    with inside(shop):
        sale = PanelSale.objects.get()
    assert made["Location"] == f"/sell/{sale.pk}/"
    order = Order.objects.get(pk=sale.order_id)
    assert (order.agency_id, order.state, order.customer.mobile) == (shop.pk, "draft", MOBILE)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"/sell/{sale.pk}/send/", HTTP_HOST=PANEL)
    assert sent.status_code == 302
    with inside(shop):
        assert ContactLog.objects.get().by_user_id == staff.user_id
    detail = client.get(f"/sell/{sale.pk}/", HTTP_HOST=PANEL).content.decode()
    assert 'data-state="draft"' in detail and 'id="sale-send"' in detail
    listing = client.get("/sell/", HTTP_HOST=PANEL).content.decode()
    assert f'data-sale="{sale.pk}"' in listing and "پیش‌نویس" in listing


def test_a_restricted_line_has_no_page(client, shop):
    customer = make_customer(shop)
    AgencyLine.objects.create(agency=shop, line=Line.objects.get(code="travel"), offered=False)
    client.force_login(owner_of(shop))
    assert (
        'data-line="travel"'
        not in client.get(f"/sell/customers/{customer.pk}/", HTTP_HOST=PANEL).content.decode()
    )
    assert client.get(f"/sell/customers/{customer.pk}/travel/", HTTP_HOST=PANEL).status_code == 404


def test_agency_b_gets_404_for_every_selling_url_of_agency_a(client, shop, other_agency):
    customer = make_customer(shop)
    sale = order_for(shop, customer)
    quote_id = Order.objects.get(pk=sale.order_id).quote.public_id
    client.force_login(owner_of(other_agency))
    for path in (
        f"/sell/customers/{customer.pk}/",
        f"/sell/customers/{customer.pk}/third_party/",
        f"/sell/customers/{customer.pk}/quotes/{quote_id}/",
        f"/sell/{sale.pk}/",
    ):
        assert client.get(path, HTTP_HOST=PANEL).status_code == 404, path
    assert client.post(f"/sell/{sale.pk}/send/", HTTP_HOST=PANEL).status_code == 404
    assert (
        client.post(
            f"/sell/customers/{customer.pk}/quotes/{quote_id}/", HTTP_HOST=PANEL
        ).status_code
        == 404
    )
    assert f'data-sale="{sale.pk}"' not in client.get("/sell/", HTTP_HOST=PANEL).content.decode()
    # A's link means nothing on B's site, nor on the main site.
    token = _token(shop, sale.order_id)
    assert client.get(f"/sale/{token}/", HTTP_HOST="ar686.localhost").status_code == 404
    assert client.get(f"/sale/{token}/", HTTP_HOST="localhost").status_code == 404
    with inside(shop):
        assert not ContactLog.objects.exists()


def test_the_list_costs_the_same_for_one_sale_or_many(client, shop):
    client.force_login(owner_of(shop))
    customer = make_customer(shop)
    order_for(shop, customer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/sell/", HTTP_HOST=PANEL).status_code == 200
        return len(queries)

    count()  # the first request also stores the panel's agency in the session
    one = count()
    # Session, account, membership; the page count, the sales, their orders, policies, lines.
    assert one <= 10
    order = Order.objects.get()
    with inside(shop):
        for _copy in range(5):
            copy = Order.objects.get(pk=order.pk)
            copy.pk, copy.public_id = None, uuid.uuid4()
            copy.save()
            PanelSale.objects.create(
                customer=customer,
                order_id=copy.pk,
                order_public_id=copy.public_id,
                quote_id=order.quote_id,
                line_code="third_party",
                premium=order.premium,
            )
    assert count() == one


# ---- the link on the agency's site ---------------------------------------------------------


def test_the_link_sends_a_stranger_to_sign_in_and_the_owner_to_the_next_step(client, shop):
    customer = make_customer(shop)
    sale = order_for(shop, customer, details=DETAILS)
    order = Order.objects.get(pk=sale.order_id)
    path = f"/sale/{_token(shop, sale.order_id)}/"
    anonymous = client.get(path, HTTP_HOST=SITE)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/?next=%2Fsale%2F")
    client.force_login(User.objects.get(mobile=MOBILE))
    owner = client.get(path, HTTP_HOST=SITE)
    # Insured and details done by staff: the customer's next step is the documents.
    assert owner["Location"] == f"/orders/{order.public_id}/documents/"
    assert client.get(owner["Location"], HTTP_HOST=SITE).status_code == 200


def test_the_link_refuses_another_account_a_forged_and_an_expired_token(client, shop, monkeypatch):
    customer = make_customer(shop)
    sale = order_for(shop, customer)
    token = _token(shop, sale.order_id)
    someone = create_user()
    client.force_login(someone)
    other = client.get(f"/sale/{token}/", HTTP_HOST=SITE)
    assert other.status_code == 404 and 'data-reason="other_account"' in other.content.decode()
    order = Order.objects.get(pk=sale.order_id)
    assert order.customer.mobile == MOBILE  # never handed over
    assert (
        client.get(f"/orders/{order.public_id}/", HTTP_HOST=SITE).status_code == 404
    )  # nor readable
    forged = client.get(f"/sale/{token[:-2]}xx/", HTTP_HOST=SITE)
    assert forged.status_code == 404 and 'data-reason="invalid"' in forged.content.decode()
    other_order = _token(shop, sale.order_id + 1000)
    assert client.get(f"/sale/{other_order}/", HTTP_HOST=SITE).status_code == 404
    monkeypatch.setattr("crm.services.selling.SALE_LINK_MAX_AGE", dt.timedelta(seconds=-1))
    expired = client.get(f"/sale/{token}/", HTTP_HOST=SITE)
    assert expired.status_code == 410 and 'data-reason="expired"' in expired.content.decode()

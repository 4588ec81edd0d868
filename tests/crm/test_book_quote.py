"""A quote naming a previous insurer becomes a prospect with that insurer's policy in the
book, once; the panel offers the agency's own such quotes only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import AuditLog
from crm.models import BookPolicy, Customer
from crm.services.book_quote import quote_to_prospect
from crm.services.customers import customer_create
from policies.models import Quote
from tests.crm.book_fixtures import book_catalogue  # noqa: F401
from tests.crm.conftest import crm_state, inside
from tests.factories import create_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("book_catalogue")]
PANEL = f"panel.{settings.BASE_DOMAIN}"


def make_quote(agency, sale_line, *, insurer="asia", days=0, user=None) -> Quote:
    line, tariff = sale_line
    return Quote.objects.create(
        line=line,
        tariff_version=tariff,
        answers={"previous_insurer": insurer, "days_since_expiry": days},
        premium=Decimal("9000000"),
        term_days=365,
        agency=agency,
        user=user or create_user(first_name="حسن", last_name="نوری"),
        expires_at=timezone.now() + dt.timedelta(days=1),
    )


def test_a_quote_becomes_a_prospect_with_the_previous_policy_once(agency, owner, sale_line):
    quote = make_quote(agency, sale_line, days=10)
    with inside(agency):
        policy = quote_to_prospect(agency=agency, actor=owner, quote=quote)
        customer = policy.customer
        assert (customer.first_name, customer.last_name, customer.source) == (
            "حسن",
            "نوری",
            "quote",
        )
        assert customer.kind == Customer.Kind.PROSPECTIVE and customer.user_id == quote.user_id
        assert customer.mobile == quote.user.mobile
        assert (policy.origin, policy.insurer_code, policy.line_code) == (
            "other",
            "asia",
            "crm_motor",
        )
        expected = timezone.localdate(quote.created_at) - dt.timedelta(days=10)
        assert abs((policy.end_date - expected).days) <= 1
        assert policy.state == BookPolicy.State.EXPIRED and policy.quote_id == quote.pk
        before = crm_state()
        again = quote_to_prospect(agency=agency, actor=owner, quote=quote)
        assert again == policy and crm_state() == before
    assert AuditLog.objects.filter(action="book.quote_taken").count() == 1


def test_a_known_customer_gets_the_policy(agency, owner, sale_line):
    user = create_user(first_name="", last_name="")
    with inside(agency):
        known = customer_create(agency=agency, actor=owner, last_name="صالحی", phones=[user.mobile])
    quote = make_quote(agency, sale_line, user=user)
    with inside(agency):
        policy = quote_to_prospect(agency=agency, actor=owner, quote=quote)
        assert policy.customer == known and policy.end_date is None
        assert policy.state == BookPolicy.State.ACTIVE and Customer.objects.count() == 1


def test_the_panel_lists_and_takes_the_agencys_quotes(
    client, agency, other_agency, owner, sale_line
):
    mine = make_quote(agency, sale_line)
    make_quote(agency, sale_line, insurer="none")
    theirs = make_quote(other_agency, sale_line)
    client.force_login(owner)
    body = client.get("/book/quotes/", HTTP_HOST=PANEL).content.decode()
    assert f'id="quote-{mine.pk}"' in body and "بیمه آسیا" in body
    assert body.count('id="quote-') == 1
    response = client.post(f"/book/quotes/{theirs.public_id}/prospect/", HTTP_HOST=PANEL)
    assert response.status_code == 404
    response = client.post(f"/book/quotes/{mine.public_id}/prospect/", HTTP_HOST=PANEL)
    assert response.status_code == 302
    client.post(f"/book/quotes/{mine.public_id}/prospect/", HTTP_HOST=PANEL)
    with inside(agency):
        assert BookPolicy.objects.filter(quote_id=mine.pk).count() == 1
    body = client.get("/book/quotes/", HTTP_HOST=PANEL).content.decode()
    assert "افزوده شد" in body
    with inside(other_agency):
        assert BookPolicy.objects.count() == 0

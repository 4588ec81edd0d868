"""Selling from the panel (decision 032): the site's own quote and order, the agency's order
owned by the account of the customer's mobile, a signed link texted once, and the issued
policy landing on the customer's card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict
from core.models import AuditLog, SmsMessage
from crm.models import BookPolicy, ContactLog, Customer, PanelSale
from crm.services.customers import customer_create, customer_sms_consent_set
from crm.services.ledger import ledger_policies_sync
from crm.services.selling import (
    SaleLinkExpired,
    SaleLinkInvalid,
    sale_link_make,
    sale_link_read,
    sale_link_send,
    sale_link_sms,
    sale_order_create,
    sale_quote,
)
from crm.tenancy import WrongSchemaError
from policies.models import AgencyLine, Line, Order, Quote
from policies.services.issuance import policy_issue
from policies.services.quotes import quote_create
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_set_status
from tests.crm.conftest import inside, owner_of

pytestmark = pytest.mark.django_db

THIRD_PARTY = {
    "vehicle_group": "pride",
    "usage": "personal",
    "production_year": "۱۳۹۸",
    "previous_insurer": "iran",
    "no_claim_years": "۳",
    "days_since_expiry": "0",
    "extra_cover": "none",
}
DETAILS = {
    "plate_number": "۱۲ب۳۴۵-۶۷",
    "chassis_number": "NAAM01CA9JK123456",
    "engine_number": "M15A1234567",
}
MOBILE = "09127654321"
CODE = "0013542419"


def catalog_ready(monkeypatch) -> None:
    """The real catalogue, priced as on 1405/09/02 (tests/policies/conftest.py)."""
    from policies.services.catalog import catalog_load

    monkeypatch.setattr("policies.pricing.tehran_today", lambda: dt.date(2026, 11, 23))
    catalog_load()


@pytest.fixture
def shop(agency, monkeypatch):
    catalog_ready(monkeypatch)
    return agency


def make_customer(agency, **overrides) -> Customer:
    fields = {
        "first_name": "سارا",
        "last_name": "کریمی",
        "national_code": CODE,
        "birth_date": dt.date(1993, 8, 5),
        "phones": [MOBILE],
    }
    fields.update(overrides)
    with inside(agency):
        return customer_create(agency=agency, actor=owner_of(agency), **fields)


def quote_for(agency, customer) -> Quote:
    with inside(agency):
        return sale_quote(
            agency=agency,
            actor=owner_of(agency),
            customer=customer,
            line_code="third_party",
            answers=THIRD_PARTY,
        )


def order_for(agency, customer, **extra) -> PanelSale:
    quote = quote_for(agency, customer)
    with inside(agency):
        return sale_order_create(
            agency=agency, actor=owner_of(agency), customer=customer, quote=quote, **extra
        )


def test_the_quote_is_the_sites_own_quote(shop):
    customer = make_customer(shop)
    quote = quote_for(shop, customer)
    site = quote_create(line="third_party", answers=THIRD_PARTY, agency=shop)
    assert quote.premium == site.premium == Decimal("65314000")
    assert (quote.agency_id, quote.tariff_version_id) == (shop.pk, site.tariff_version_id)
    assert Quote.objects.filter(pk=quote.pk).exists()  # stored, not waiting in Redis


def test_the_order_is_the_agencys_draft_owned_by_the_account_of_the_mobile(shop):
    customer = make_customer(shop)
    sale = order_for(shop, customer, details=DETAILS)
    order = Order.objects.get(pk=sale.order_id)
    account = User.objects.get(mobile=MOBILE)
    assert (order.agency_id, order.channel, order.state) == (shop.pk, "agency", "draft")
    assert order.customer_id == account.pk and account.signup_agency_id == shop.pk
    assert account.mobile_verified_at is None  # proven only by the SMS code, later
    assert (
        order.insured_first_name,
        order.insured_last_name,
        order.insured_national_code,
        order.insured_birth_date,
        order.insured_mobile,
    ) == ("سارا", "کریمی", CODE, dt.date(1993, 8, 5), MOBILE)
    assert order.details["chassis_number"] == "NAAM01CA9JK123456"
    assert order.premium == Decimal("65314000") and order.quote_id == sale.quote_id
    with inside(shop):
        sale.refresh_from_db()
        customer.refresh_from_db()
    assert (sale.customer_id, sale.order_public_id, sale.line_code, sale.premium) == (
        customer.pk,
        order.public_id,
        "third_party",
        Decimal("65314000"),
    )
    assert customer.user_id == account.pk
    assert AuditLog.objects.filter(
        action="sale.order_created", target_type="crm.panelsale", agency_id=shop.pk
    ).exists()
    assert AuditLog.objects.get(action="order.insured_saved", target_id=str(order.pk)).actor_id == (
        owner_of(shop).pk
    )


def test_an_existing_account_is_used_and_the_same_quote_gives_the_same_sale(shop):
    account = User.objects.create_user(MOBILE)
    customer = make_customer(shop)
    quote = quote_for(shop, customer)
    with inside(shop):
        first = sale_order_create(agency=shop, actor=owner_of(shop), customer=customer, quote=quote)
        again = sale_order_create(agency=shop, actor=owner_of(shop), customer=customer, quote=quote)
        assert first.pk == again.pk and PanelSale.objects.count() == 1
    assert Order.objects.get().customer_id == account.pk


def test_what_the_card_lacks_is_asked_for_and_kept_on_the_card(shop):
    customer = make_customer(shop, national_code=None, birth_date=None)
    quote = quote_for(shop, customer)
    with inside(shop):
        with pytest.raises(ValidationError) as refused:
            sale_order_create(agency=shop, actor=owner_of(shop), customer=customer, quote=quote)
        assert set(refused.value.message_dict) == {"national_code", "birth_date"}
        assert not Order.objects.exists() and not PanelSale.objects.exists()
        sale_order_create(
            agency=shop,
            actor=owner_of(shop),
            customer=customer,
            quote=quote,
            national_code="۰۰۱۳۵۴۲۴۱۹",
            birth_date=dt.date(1993, 8, 5),
        )
        customer.refresh_from_db()
    assert (customer.national_code, customer.birth_date) == (CODE, dt.date(1993, 8, 5))
    assert Order.objects.get().insured_national_code == CODE


def test_refused_for_a_suspended_agency_and_nothing_changes(shop):
    customer = make_customer(shop)
    quote = quote_for(shop, customer)
    agency_set_status(agency=shop, status=Agency.Status.SUSPENDED, actor=None, reason="آزمون")
    shop.refresh_from_db()
    with inside(shop):
        with pytest.raises(AgencyNotActive):
            sale_quote(
                agency=shop,
                actor=owner_of(shop),
                customer=customer,
                line_code="third_party",
                answers=THIRD_PARTY,
            )
        with pytest.raises(AgencyNotActive):
            sale_order_create(agency=shop, actor=owner_of(shop), customer=customer, quote=quote)
        assert not PanelSale.objects.exists()
    assert not Order.objects.exists()
    assert Quote.objects.count() == 1


def test_refused_for_a_line_restricted_for_this_agency(shop):
    customer = make_customer(shop)
    quote = quote_for(shop, customer)
    AgencyLine.objects.create(agency=shop, line=Line.objects.get(code="third_party"), allowed=False)
    with inside(shop):
        with pytest.raises(ValidationError) as refused:
            sale_quote(
                agency=shop,
                actor=owner_of(shop),
                customer=customer,
                line_code="third_party",
                answers=THIRD_PARTY,
            )
        assert "line" in refused.value.message_dict
        with pytest.raises(ValidationError):
            sale_order_create(agency=shop, actor=owner_of(shop), customer=customer, quote=quote)
    assert Quote.objects.count() == 1 and not Order.objects.exists()


def test_refused_for_a_customer_without_mobile_or_a_company(shop):
    no_mobile = make_customer(shop, phones=[], national_code=None)
    company = make_customer(
        shop,
        party="company",
        company_name="شرکت نمونه",
        first_name="",
        last_name="",
        national_code=None,
        phones=["09351112233"],
    )
    with pytest.raises(ValidationError) as refused:
        quote_for(shop, no_mobile)
    assert "mobile" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        quote_for(shop, company)
    assert refused.value.code == "not_a_person"
    assert not Quote.objects.exists()


def test_refused_in_the_wrong_schema_and_for_another_agencys_quote(shop, other_agency):
    customer = make_customer(shop)
    quote = quote_for(shop, customer)
    with inside(other_agency), pytest.raises(WrongSchemaError):
        sale_order_create(agency=shop, actor=owner_of(shop), customer=customer, quote=quote)
    their_quote = quote_create(line="third_party", answers=THIRD_PARTY, agency=other_agency)
    with inside(shop):
        with pytest.raises(ValidationError) as refused:
            sale_order_create(
                agency=shop, actor=owner_of(shop), customer=customer, quote=their_quote
            )
        assert refused.value.code == "quote_site"
    assert not Order.objects.exists()


# ---- the link ------------------------------------------------------------------------------


def test_the_link_is_signed_for_the_agency_and_expires(shop, other_agency, monkeypatch):
    url = sale_link_make(agency=shop, order_id=42)
    assert url.startswith("http://ar685.localhost")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert sale_link_read(agency=shop, token=token) == 42
    with pytest.raises(SaleLinkInvalid):
        sale_link_read(agency=other_agency, token=token)
    with pytest.raises(SaleLinkInvalid):
        sale_link_read(agency=shop, token=token.replace("42:", "43:"))
    monkeypatch.setattr("crm.services.selling.SALE_LINK_MAX_AGE", dt.timedelta(seconds=-1))
    with pytest.raises(SaleLinkExpired):
        sale_link_read(agency=shop, token=token)


def test_the_link_is_texted_once_with_a_contact_row(shop, django_capture_on_commit_callbacks):
    customer = make_customer(shop)
    sale = order_for(shop, customer)
    with inside(shop):
        # An opt-out from promotional texts: the link is transactional and still goes.
        customer = customer_sms_consent_set(
            agency=shop, actor=owner_of(shop), customer=customer, consent=False
        )
        with django_capture_on_commit_callbacks(execute=True):
            contact = sale_link_send(agency=shop, actor=owner_of(shop), sale=sale)
        contact.refresh_from_db()
        assert (contact.channel, contact.direction, contact.customer_id, contact.phone) == (
            "sms",
            "out",
            customer.pk,
            MOBILE,
        )
        assert contact.by_user_id == owner_of(shop).pk
        message = SmsMessage.objects.get(pk=contact.sms_message_id)
        # The task run again (a redelivered message) sends nothing more.
        assert sale_link_sms(agency=shop, sale_id=sale.pk, contact_id=contact.pk) == message.pk
        sale.refresh_from_db()
        assert sale.link_sent_at is not None
    assert SmsMessage.objects.count() == 1 + SmsMessage.objects.exclude(kind="sale_link").count()
    assert (message.to, message.kind, message.agency_id) == (MOBILE, "sale_link", shop.pk)
    token = message.body.split("/sale/", 1)[1].split("/", 1)[0]
    assert "http://ar685.localhost" in message.body
    assert sale_link_read(agency=shop, token=token) == sale.order_id


def test_no_link_for_an_order_already_paid(shop):
    customer = make_customer(shop)
    sale = order_for(shop, customer)
    Order.objects.filter(pk=sale.order_id).update(state=Order.State.PAID)
    with inside(shop):
        with pytest.raises(Conflict):
            sale_link_send(agency=shop, actor=owner_of(shop), sale=sale)
        assert not ContactLog.objects.exists()


# ---- after payment and issue: the customer's card ------------------------------------------


def test_the_issued_policy_lands_on_this_customers_card(shop):
    customer = make_customer(shop)
    # Someone else of the agency shares the mobile (a family's): the sale is still this one's.
    make_customer(
        shop, first_name="رضا", national_code="0499370899", phones=[MOBILE], allow_duplicates=True
    )
    sale = order_for(shop, customer, details=DETAILS)
    Agency.objects.filter(pk=shop.pk).update(can_issue=True)
    Order.objects.filter(pk=sale.order_id).update(
        state=Order.State.PAID, paid_at=timezone.now(), delivery_method="in_person"
    )
    order = Order.objects.select_related("agency").get(pk=sale.order_id)
    policy = policy_issue(order=order, actor=owner_of(shop))
    with inside(shop):
        result = ledger_policies_sync(agency=shop, policy_ids=[policy.pk])
        assert (result.book_added, result.customers_created) == (1, 0)
        book = BookPolicy.objects.get(policy_id=policy.pk)
        assert (book.customer_id, book.order_id, book.quote_id) == (
            customer.pk,
            sale.order_id,
            sale.quote_id,
        )
        customer.refresh_from_db()
        assert customer.kind == Customer.Kind.DEFINITE

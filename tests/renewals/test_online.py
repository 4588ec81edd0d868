"""Online renewal (issue 14, item 4; decision 043): the renewal quote prefilled from the old
policy, the order prepared once, the signed renewal link and its page, staff's "renew now"
and the ``{renewal_link}`` placeholder."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import set_urlconf
from django.utils import timezone

from core.models import AuditLog
from crm.models import BookPolicy, ClaimRecord, Customer, PanelSale
from crm.services.ledger import ledger_policies_sync
from messaging.rendering import Subject, agency_facts, compile_template
from policies.models import Order
from policies.services.issuance import policy_issue
from renewals.models import RenewalOffer, WorkItem
from renewals.services.online import (
    RenewalIncomplete,
    RenewalLinkExpired,
    RenewalLinkInvalid,
    RenewalRefused,
    renewal_answers,
    renewal_link_make,
    renewal_link_read,
    renewal_prepare,
    today,
)
from tenants.models import Agency
from tenants.services import AgencyNotActive, agency_set_status
from tests.crm.conftest import inside, owner_of
from tests.crm.test_selling import DETAILS, THIRD_PARTY, catalog_ready, make_customer, order_for

pytestmark = pytest.mark.django_db

SITE = "ar685.localhost"
PANEL = "panel.localhost"


@pytest.fixture
def shop(agency, monkeypatch):
    catalog_ready(monkeypatch)
    return agency


def issue(agency, sale: PanelSale) -> BookPolicy:
    """Pay and issue ``sale``'s order as the site does, then run the ledger sync (which sends
    ``book_policies_added``); the new policy of the book."""
    Agency.objects.filter(pk=agency.pk).update(can_issue=True)
    Order.objects.filter(pk=sale.order_id).update(
        state=Order.State.PAID, paid_at=timezone.now(), delivery_method="in_person"
    )
    order = Order.objects.select_related("agency").get(pk=sale.order_id)
    policy = policy_issue(order=order, actor=owner_of(agency))
    with inside(agency):
        ledger_policies_sync(agency=agency, policy_ids=[policy.pk])
        return BookPolicy.objects.get(policy_id=policy.pk)


def sold(agency, *, expires_in: int = 30, **extra) -> BookPolicy:
    """A policy sold here (a panel sale issued), expiring in ``expires_in`` days."""
    customer = make_customer(agency)
    book = issue(agency, order_for(agency, customer, details=DETAILS, **extra))
    end = today() + dt.timedelta(days=expires_in)
    with inside(agency):
        BookPolicy.objects.filter(pk=book.pk).update(
            end_date=end, start_date=end - dt.timedelta(days=365)
        )
        book.refresh_from_db()
    return book


def item_for(agency, book: BookPolicy, *, assigned_to: int | None = None) -> WorkItem:
    with inside(agency):
        return WorkItem.objects.create(
            kind="renewal",
            book_policy=book,
            customer_id=book.customer_id,
            line_code=book.line_code,
            end_date=book.end_date,
            premium=book.premium,
            assigned_to_user_id=assigned_to,
            assigned_on=today() if assigned_to else None,
            created_on=today(),
        )


def prepare(agency, book: BookPolicy, channel: str = "online_link", actor=None) -> PanelSale:
    with inside(agency):
        return renewal_prepare(agency=agency, actor=actor, book_policy=book, channel=channel)


# ---- the prefilled answers -------------------------------------------------------------------


def test_a_ledger_policy_carries_its_answers_with_one_more_no_claim_year(shop):
    book = sold(shop, expires_in=-3)
    with inside(shop):
        prefill = renewal_answers(book)
    old = Order.objects.select_related("quote").get(pk=book.order_id)
    assert prefill.line_code == "third_party" and prefill.missing == []
    assert prefill.answers["no_claim_years"] == old.quote.answers["no_claim_years"] + 1 == 4
    # The list does not name our insurer (INSURER_NAME): the old answer stays.
    assert prefill.answers["previous_insurer"] == "iran"
    assert prefill.answers["days_since_expiry"] == 3
    assert prefill.answers["vehicle_group"] == "pride"
    assert prefill.details == old.details and prefill.details["chassis_number"]
    assert prefill.national_code == old.insured_national_code


def test_a_claim_on_the_policy_keeps_the_no_claim_years(shop):
    book = sold(shop)
    with inside(shop):
        ClaimRecord.objects.create(
            customer_id=book.customer_id, book_policy=book, filed_at=today(), number="C-1"
        )
        assert renewal_answers(book).answers["no_claim_years"] == 3
        ClaimRecord.objects.update(state=ClaimRecord.State.REJECTED)
        assert renewal_answers(book).answers["no_claim_years"] == 4  # a rejected one does not


def test_our_insurer_in_the_list_is_the_previous_insurer(shop, settings):
    settings.INSURER_NAME = "بیمه آسیا"
    book = sold(shop)
    with inside(shop):
        assert renewal_answers(book).answers["previous_insurer"] == "asia"


def test_another_insurers_policy_lists_what_is_missing(shop):
    customer = make_customer(shop)
    with inside(shop):
        book = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="dana",
            line_code="third_party",
            number="D-1",
            plate="۱۲ب۳۴۵-۶۷",
            start_date=today() - dt.timedelta(days=360),
            end_date=today() + dt.timedelta(days=5),
        )
        prefill = renewal_answers(book)
        assert prefill.answers == {"previous_insurer": "dana", "days_since_expiry": 0}
        assert prefill.details == {"plate_number": book.plate}
        assert {"vehicle_group", "production_year"} <= set(prefill.missing)
        with pytest.raises(RenewalIncomplete) as refused:
            renewal_prepare(agency=shop, actor=None, book_policy=book, channel="call")
        assert "vehicle_group" in refused.value.missing
        # Staff complete the answers: priced by the site's own quote.
        sale = renewal_prepare(
            agency=shop,
            actor=owner_of(shop),
            book_policy=book,
            channel="call",
            answers_override={
                k: v for k, v in THIRD_PARTY.items() if k not in ("previous_insurer",)
            },
        )
    order = Order.objects.get(pk=sale.order_id)
    assert order.quote.answers["previous_insurer"] == "dana"
    assert order.details == {}  # the plate alone: the customer gives the details on the site
    Order.objects.filter(pk=order.pk).update(state=Order.State.CANCELLED)
    with inside(shop):
        sale = renewal_prepare(
            agency=shop,
            actor=owner_of(shop),
            book_policy=book,
            channel="call",
            answers_override={**THIRD_PARTY, **DETAILS},
        )
    assert Order.objects.get(pk=sale.order_id).details["engine_number"] == "M15A1234567"


# ---- preparing the order -----------------------------------------------------------------------


def test_preparing_twice_gives_the_same_order_and_marks_the_item(shop):
    book = sold(shop)
    item = item_for(shop, book)
    first = prepare(shop, book)
    second = prepare(shop, book)
    assert first.pk == second.pk
    order = Order.objects.get(pk=first.order_id)
    assert (order.state, order.channel, order.agency_id) == ("draft", "agency", shop.pk)
    # Priced by the current tariff from the carried answers (4 no-claim years now).
    assert order.quote.answers["no_claim_years"] == 4
    assert order.premium < Decimal("65314000")  # one more year of no-claim discount
    with inside(shop):
        offer = RenewalOffer.objects.get()
        assert (offer.book_policy_id, offer.order_id, offer.channel) == (
            book.pk,
            order.pk,
            "online_link",
        )
        item.refresh_from_db()
        assert item.renewal_order_id == order.pk
        assert AuditLog.objects.filter(action="renewal_item.quote_prepared").count() == 1
    # Staff take it over by phone: the same order, now credited to the call.
    assert prepare(shop, book, "call", owner_of(shop)).pk == first.pk
    with inside(shop):
        offer.refresh_from_db()
        assert offer.channel == "call"
    # ... and a later click on the reminder's link does not take the credit away.
    prepare(shop, book)
    with inside(shop):
        offer.refresh_from_db()
        assert offer.channel == "call"


def test_an_order_that_cannot_be_paid_any_more_gives_a_fresh_one(shop):
    book = sold(shop)
    first = prepare(shop, book)
    Order.objects.filter(pk=first.order_id).update(state=Order.State.CANCELLED)
    second = prepare(shop, book)
    assert second.order_id != first.order_id
    with inside(shop):
        assert RenewalOffer.objects.get().order_id == second.order_id
    Order.objects.filter(pk=second.order_id).update(state=Order.State.PAID)
    with pytest.raises(RenewalRefused):
        prepare(shop, book)


def test_renewed_cancelled_other_customers_and_suspended_are_refused(shop):
    book = sold(shop)
    with inside(shop):
        BookPolicy.objects.filter(pk=book.pk).update(state="cancelled")
        with pytest.raises(RenewalRefused, match="ابطال"):
            renewal_prepare(agency=shop, actor=None, book_policy=book, channel="call")
        BookPolicy.objects.filter(pk=book.pk).update(state="renewed")
        with pytest.raises(RenewalRefused):
            renewal_prepare(agency=shop, actor=None, book_policy=book, channel="call")
        BookPolicy.objects.filter(pk=book.pk).update(state="active")
        stranger = Customer.objects.create(first_name="x", last_name="y", source="panel")
        with pytest.raises(RenewalRefused):
            renewal_prepare(
                agency=shop, actor=None, book_policy=book, channel="call", customer=stranger
            )
    agency_set_status(agency=shop, status=Agency.Status.SUSPENDED, actor=None, reason="آزمون")
    shop.refresh_from_db()
    with inside(shop), pytest.raises(AgencyNotActive):
        renewal_prepare(agency=shop, actor=None, book_policy=book, channel="call")
    with inside(shop):
        assert not RenewalOffer.objects.exists()


def test_a_line_the_agency_no_longer_sells_is_refused(shop):
    from policies.models import AgencyLine, Line

    book = sold(shop)
    line = Line.objects.get(code="third_party")
    AgencyLine.objects.update_or_create(agency=shop, line=line, defaults={"offered": False})
    with pytest.raises(ValidationError) as refused:
        prepare(shop, book)
    assert "line" in refused.value.message_dict


# ---- the link ----------------------------------------------------------------------------------


def _token(agency, book: BookPolicy) -> str:
    with inside(agency):
        url = renewal_link_make(agency, book.pk)
    assert "//ar685." in url and "/renew/" in url
    return url.rstrip("/").rsplit("/", 1)[1]


def test_the_link_names_the_policy_until_30_days_after_expiry(shop, other_agency):
    book = sold(shop, expires_in=10)
    token = _token(shop, book)
    assert renewal_link_read(agency=shop, token=token) == book.pk
    assert renewal_link_read(agency=shop, token=token, on=book.end_date + dt.timedelta(days=30))
    with pytest.raises(RenewalLinkExpired):
        renewal_link_read(agency=shop, token=token, on=book.end_date + dt.timedelta(days=31))
    with pytest.raises(RenewalLinkInvalid):
        renewal_link_read(agency=shop, token=token[:-2] + "xx")
    with pytest.raises(RenewalLinkInvalid):  # another agency's token
        renewal_link_read(agency=other_agency, token=token)


def test_the_placeholder_renders_the_renewal_link(shop):
    book = sold(shop)
    with inside(shop):
        facts = agency_facts(shop, line_codes=["third_party"])
        compiled = compile_template("تمدید: {renewal_link}")
        customer = Customer.objects.get(pk=book.customer_id)
        with CaptureQueriesContext(connection) as queries:
            text = compiled.render(Subject(customer=customer, agency=facts, policy=book))
    assert len(queries) == 0
    url = text.split(" ", 1)[1]
    assert "//ar685." in url and "/renew/" in url
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert renewal_link_read(agency=shop, token=token) == book.pk


def test_the_link_page_shows_the_new_premium_and_hands_over_to_the_sale_link(client, shop):
    book = sold(shop)
    path = f"/renew/{_token(shop, book)}/"
    page = client.get(path, HTTP_HOST=SITE)
    body = page.content.decode()
    assert page.status_code == 200 and 'data-reason="ready"' in body
    assert 'id="renewal-premium"' in body and "renewal-continue" in body
    with inside(shop):
        assert not RenewalOffer.objects.exists()  # a look prepares nothing
    went = client.post(path, HTTP_HOST=SITE)
    assert went.status_code == 302 and went["Location"].startswith("/sale/")
    with inside(shop):
        offer = RenewalOffer.objects.get()
    assert offer.channel == "online_link"
    # The sale link asks a stranger to sign in (crm's flow from here).
    login = client.get(went["Location"], HTTP_HOST=SITE)
    assert login.status_code == 302 and "/accounts/login/" in login["Location"]
    again = client.post(path, HTTP_HOST=SITE)
    with inside(shop):
        assert RenewalOffer.objects.get().order_id == offer.order_id
    assert again["Location"].startswith("/sale/")


def test_the_link_page_queries_are_constant(client, shop, django_assert_max_num_queries):
    book = sold(shop)
    path = f"/renew/{_token(shop, book)}/"
    client.get(path, HTTP_HOST=SITE)  # warm the catalogue cache
    with CaptureQueriesContext(connection) as first:
        client.get(path, HTTP_HOST=SITE)
    with inside(shop):
        ClaimRecord.objects.create(
            customer_id=book.customer_id, book_policy=book, filed_at=today(), number="C-1"
        )
        ClaimRecord.objects.create(
            customer_id=book.customer_id, book_policy=book, filed_at=today(), number="C-2"
        )
    with CaptureQueriesContext(connection) as second:
        client.get(path, HTTP_HOST=SITE)
    assert len(first) == len(second)


def test_the_link_page_refuses_forged_expired_and_tells_renewed(client, shop, monkeypatch):
    book = sold(shop)
    token = _token(shop, book)
    forged = client.get(f"/renew/{token[:-2]}xx/", HTTP_HOST=SITE)
    assert forged.status_code == 404 and 'data-reason="invalid"' in forged.content.decode()
    assert client.get(f"/renew/{token}/", HTTP_HOST="localhost").status_code == 404
    with inside(shop):
        BookPolicy.objects.filter(pk=book.pk).update(state="renewed")
    renewed = client.get(f"/renew/{token}/", HTTP_HOST=SITE)
    assert renewed.status_code == 200 and 'data-reason="renewed"' in renewed.content.decode()
    monkeypatch.setattr(
        "renewals.services.online.today", lambda: book.end_date + dt.timedelta(days=31)
    )
    expired = client.get(f"/renew/{token}/", HTTP_HOST=SITE)
    assert expired.status_code == 410 and 'data-reason="expired"' in expired.content.decode()


def test_the_link_page_sends_another_insurers_policy_to_the_quote_page(client, shop):
    customer = make_customer(shop)
    with inside(shop):
        book = BookPolicy.objects.create(
            customer=customer,
            origin="other",
            insurer_code="dana",
            line_code="third_party",
            number="D-2",
            end_date=today() + dt.timedelta(days=30),
        )
    page = client.get(f"/renew/{_token(shop, book)}/", HTTP_HOST=SITE)
    body = page.content.decode()
    assert 'data-reason="missing"' in body and 'href="/insurance/third_party/"' in body
    assert "بیمه دانا" in body  # what is known, as the quote form names it


# ---- staff's "renew now" -----------------------------------------------------------------------


def test_renew_now_prepares_by_phone_and_opens_the_panel_sale(client, shop):
    book = sold(shop)
    item = item_for(shop, book)
    set_urlconf("config.urls_panel")
    try:
        request = RequestFactory().get("/renewals/", HTTP_HOST=PANEL)
        button = render_to_string(
            "renewals/online/_renew_button.html", {"item": item, "request": request}
        )
    finally:
        set_urlconf(None)
    assert f'action="/renewals/online/items/{item.pk}/renew/"' in button
    client.force_login(owner_of(shop))
    went = client.post(f"/renewals/online/items/{item.pk}/renew/", HTTP_HOST=PANEL)
    assert went.status_code == 302
    with inside(shop):
        offer = RenewalOffer.objects.get()
        assert offer.channel == "call"
        assert went["Location"] == f"/sell/{offer.sale_id}/"
        item.refresh_from_db()
        assert item.renewal_order_id == offer.order_id
    assert client.get(went["Location"], HTTP_HOST=PANEL).status_code == 200
    assert (
        client.get(f"/renewals/online/items/{item.pk}/renew/", HTTP_HOST=PANEL).status_code == 405
    )


def test_the_link_page_of_a_line_no_longer_sold_says_to_call(client, shop):
    from policies.models import AgencyLine, Line

    book = sold(shop)
    AgencyLine.objects.update_or_create(
        agency=shop, line=Line.objects.get(code="third_party"), defaults={"offered": False}
    )
    page = client.get(f"/renew/{_token(shop, book)}/", HTTP_HOST=SITE)
    assert page.status_code == 409 and 'data-reason="refused"' in page.content.decode()

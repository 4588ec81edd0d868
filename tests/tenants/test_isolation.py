"""No agency ever sees another agency's data: every URL, enumerated from the URLconfs.

A new URL pattern is walked automatically: each pattern is requested as agency B's owner,
on B's site and on the panel, with agency A's ids in the path; A's name must never appear.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from policies.models import Order, Payment, Policy
from tenants.content.models import Page
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

pytestmark = pytest.mark.django_db

# Infrastructure pages that show no agency data at all.
SKIP = {"admin/", "api/schema/", "api/docs/", "i18n/", "healthz", "static/", "media/"}
# Public on purpose: the policy verification page names the issuing agency (and nothing
# personal) to whoever holds the code printed on the policy; tested in tests/policies.
PUBLIC_BY_DESIGN = ("verify/",)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _fill(route: str, agency_a, page_a, sale_a=None) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")

    def value(match: re.Match) -> str:
        converter, name = (match.group(1) or "str"), match.group(2)
        if sale_a is not None and converter == "uuid":
            owner = {"order_id": sale_a.order, "quote_id": sale_a.order.quote}.get(name)
            if name == "payment_id":
                owner = sale_a.payment
            return str((owner or sale_a.order).public_id)
        if sale_a is not None and name == "number":
            return sale_a.policy.number
        if converter == "int" or name.endswith("_id") or name in {"pk", "id"}:
            return str(agency_a.pk if "agency" in name else page_a.pk)
        return page_a.slug

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _routes(urlconf: str):
    for route in sorted(set(_walk(get_resolver(urlconf).url_patterns))):
        if not any(route.startswith(skip) for skip in SKIP):
            yield route


@dataclass
class Sale:
    order: Order
    payment: Payment
    policy: Policy


@pytest.fixture
def sale_a(agency, line, tariff):
    """An issued policy sold by agency A, with its payment and a document."""
    buyer = create_user(first_name="SECRET-BUYER", last_name="OF-A")
    order = make_order(line=line, tariff=tariff, customer=buyer, agency=agency, state="issued")
    order.insured_first_name = "SECRET-BUYER"
    order.save()
    payment = Payment.objects.create(
        order=order,
        attempt=1,
        gateway="sandbox",
        amount=order.premium,
        token="tok-a",
        state=Payment.State.SUCCEEDED,
    )
    policy = Policy.objects.create(
        order=order,
        number="1405-99-000001",
        line=line,
        jalali_year=1405,
        sequence=1,
        agency=agency,
        customer=buyer,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 1, 1),
        premium=order.premium,
        tariff_version=tariff,
        verification_code="ABCDEFGHJK",
    )
    return Sale(order=order, payment=payment, policy=policy)


@pytest.fixture
def two_agencies(agency, other_agency):
    with schema_context(agency.schema_name):
        secret_page = Page.objects.create(slug="secret-a", title="SECRET-OF-A", body="A only")
    return agency, other_agency, secret_page


@pytest.mark.parametrize(
    "site,urlconf", [("agency", "config.urls_agency"), ("panel", "config.urls_panel")]
)
def test_agency_b_never_sees_agency_a(client, two_agencies, sale_a, site, urlconf):
    agency_a, agency_b, page_a = two_agencies
    owner_b = agency_b.memberships.get().user
    client.force_login(owner_b)
    host = "ar686.localhost" if site == "agency" else f"panel.{settings.BASE_DOMAIN}"
    walked = 0
    for route in _routes(urlconf):
        if route.startswith(PUBLIC_BY_DESIGN):
            continue
        path = _fill(route, agency_a, page_a, sale_a)
        response = client.get(path, HTTP_HOST=host)
        walked += 1
        body = response.content.decode(errors="ignore")
        assert agency_a.name not in body, f"{host}{path} shows agency A"
        assert "SECRET-OF-A" not in body, f"{host}{path} shows agency A's content"
        assert "SECRET-BUYER" not in body, f"{host}{path} shows agency A's customer"
        assert sale_a.policy.number not in body, f"{host}{path} shows agency A's policy"
        assert response.status_code in (200, 302, 400, 403, 404, 405), (
            f"{host}{path}: {response.status_code}"
        )
    assert walked >= 3


@pytest.mark.parametrize("host", ["ar686.localhost", "localhost"])
def test_a_buyer_on_agency_a_finds_nothing_of_it_on_other_sites(client, two_agencies, sale_a, host):
    """The same customer account works everywhere, but a sale is shown only where it was made."""
    agency_a, _agency_b, page_a = two_agencies
    client.force_login(sale_a.order.customer)
    for route in _routes("config.urls_agency"):
        if route.startswith(PUBLIC_BY_DESIGN) or "<" not in route:
            continue
        path = _fill(route, agency_a, page_a, sale_a)
        response = client.get(path, HTTP_HOST=host)
        assert response.status_code in (302, 400, 404, 405), f"{host}{path}: {response.status_code}"


def test_agency_a_page_is_not_reachable_on_agency_b_site(client, two_agencies):
    _agency_a, _agency_b, page_a = two_agencies
    assert client.get(f"/p/{page_a.slug}/", HTTP_HOST="ar685.localhost").status_code == 200
    assert client.get(f"/p/{page_a.slug}/", HTTP_HOST="ar686.localhost").status_code == 404
    assert client.get(f"/p/{page_a.slug}/", HTTP_HOST="localhost").status_code == 404


def test_a_customer_reaches_no_panel(client, agency):
    client.force_login(create_user())
    assert client.get("/", HTTP_HOST="panel.localhost").status_code == 404


# ---- every route with an object id in it: agency A's ids, asked by agency B → 404 ---------

# Routes whose parameters name no agency's object: the catalog's line codes, the sandbox
# bank's own token, the bank's callback (it answers the bank, changes nothing for a stranger:
# tests/policies/test_payment_flow.py) and the public verification page.
# Public media (logos, banners) is public on every host; that no private file is reachable
# there is tests/core/test_media.py.
NOT_AN_AGENCY_OBJECT = ("insurance/<", "dev/bank/", "payments/<", "media/", *PUBLIC_BY_DESIGN)


# On A's own site these are public by design: its published pages, and premium inquiries,
# which need no account and whose unguessable id is the link a visitor keeps or shares
# (buying from such a link starts the visitor's own order).
PUBLIC_ON_OWN_SITE = ("p/", "quotes/", "api/quotes/", "orders/start/", "renew/")


@dataclass
class ObjectsOfA:
    """One object of agency A for every kind of id a URL can carry."""

    ids: dict[str, str]

    def fill(self, route: str) -> str:
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")

        def value(match: re.Match) -> str:
            name = match.group(2)
            assert name in self.ids, (
                f"{route}: no object of agency A for <{name}>; add one to objects_of_a so "
                "this kind of id is walked too"
            )
            return self.ids[name]

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _crm_objects_of(agency) -> dict[str, str]:
    """One row of each CRM case table in the agency's schema (ids past B's empty schema)."""
    from crm.models import (
        Activity,
        Attachment,
        BookPolicy,
        Case,
        ClaimRecord,
        Complaint,
        Customer,
        CustomerAddress,
        CustomerEmail,
        CustomerPhone,
        Gift,
    )

    with schema_context(agency.schema_name):
        customer = Customer.objects.create(first_name="SECRET-BUYER", last_name="OF-A")
        case = Case.objects.create(kind="sale", title="SECRET-OF-A case")
        activity = Activity.objects.create(case=case, kind="call", subject="SECRET-OF-A")
        attachment = Attachment.objects.create(
            case=case,
            file="crm/a/secret.png",
            content_type="image/png",
            size=1,
            original_name="secret.png",
        )
        complaint = Complaint.objects.create(customer=customer, subject="SECRET-OF-A", text="x")
        claim = ClaimRecord.objects.create(customer=customer, filed_at=dt.date(2026, 1, 1))
        gift = Gift.objects.create(customer=customer, kind="SECRET-OF-A")
        # What the CRM's API names by id (decision 033): contact points and a book policy.
        phone = CustomerPhone.objects.create(
            customer=customer, kind="mobile", number="09121112233", is_primary=True
        )
        email = CustomerEmail.objects.create(customer=customer, address="a@example.com")
        address = CustomerAddress.objects.create(customer=customer, address="SECRET-OF-A")
        policy = BookPolicy.objects.create(
            customer=customer, origin="other", insurer_code="asia", line_code="fire"
        )
    return {
        "crm_customer_id": str(customer.pk),
        "phone_id": str(phone.pk),
        "email_id": str(email.pk),
        "address_id": str(address.pk),
        "book_policy_id": str(policy.pk),
        "case_id": str(case.pk),
        "activity_id": str(activity.pk),
        "attachment_id": str(attachment.pk),
        "complaint_id": str(complaint.pk),
        "claim_id": str(claim.pk),
        "gift_id": str(gift.pk),
    }


@pytest.fixture
def objects_of_a(two_agencies, sale_a):
    from decimal import Decimal

    from policies.models import OrderDocument
    from referrals.models import Offer, Referral
    from settlement.models import CommissionStatement
    from tenants.content.models import Banner

    agency_a, agency_b, page_a = two_agencies
    with schema_context(agency_a.schema_name):
        for n in range(3):  # A's ids run past anything B's schema holds
            Banner.objects.create(title=f"filler {n}")
        banner_a = Banner.objects.create(title="SECRET-OF-A banner")
        from crm.models import Customer, Instrument

        debtor = Customer.objects.create(first_name="SECRET-BUYER", last_name="OF-A")
        for n in range(3):
            cheque_a = Instrument.objects.create(
                customer=debtor,
                kind="cheque",
                amount=Decimal("1000"),
                due_date=dt.date(2026, 12, n + 1),
            )
    referral = Referral.objects.create(
        order=sale_a.order,
        latitude=Decimal("35.7"),
        longitude=Decimal("51.4"),
        state=Referral.State.ACCEPTED,
        agency=agency_a,
    )
    offer_a = Offer.objects.create(
        referral=referral,
        agency=agency_a,
        wave=1,
        distance_m=1200,
        expires_at=sale_a.order.created_at,
        state=Offer.State.WAITING,
    )
    document = OrderDocument.objects.create(
        order=sale_a.order,
        kind="card",
        file="documents/ar685/x/card.png",
        content_type="image/png",
        original_name="card.png",
        size=10,
        sha256="0" * 64,
    )
    owner_a = agency_a.memberships.get()
    order = sale_a.order
    panel_sale_a, token_a = _panel_sale_of(agency_a, order)
    from crm.models import BookPolicy, Customer

    with schema_context(agency_a.schema_name):
        holder = Customer.objects.create(last_name="SECRET-BUYER", source="panel")
        book_a = BookPolicy.objects.create(
            customer=holder, origin="other", insurer_code="iran", line_code="fire", number="A-1"
        )
        from renewals.models import WorkItem

        followup_a = WorkItem.objects.create(
            kind="followup",
            book_policy=book_a,
            customer=holder,
            line_code="fire",
            created_on=dt.date(2026, 12, 1),
        )
        from messaging.models import SmsPattern, SmsTemplate

        for n in range(3):
            template_a = SmsTemplate.objects.create(
                name=f"SECRET-OF-A template {n}", body="x", line="service"
            )
            pattern_a = SmsPattern.objects.create(
                name=f"SECRET-OF-A pattern {n}", event="birthday", template=template_a
            )
    from messaging.bulk.models import BulkSend

    with schema_context(agency_a.schema_name):
        bulk_a = BulkSend.objects.create(
            name="SECRET-OF-A bulk", body="SECRET-OF-A", audience=BulkSend.Audience.UPLOAD
        )
    item_a, renewal_token_a = _renewal_of(agency_a)
    statement_a = CommissionStatement.objects.create(
        agency=agency_a,
        jalali_year=1405,
        jalali_month=8,
        period_start=dt.date(2026, 10, 23),
        period_end=dt.date(2026, 11, 21),
    )
    crm_ids = _crm_objects_of(agency_a)
    from core.models import SmsTopUpPayment

    top_up_a = SmsTopUpPayment.objects.create(
        agency_id=agency_a.pk, amount=Decimal("500000"), gateway="sandbox", token="top-up-of-a"
    )
    advice_a = _advice_of(agency_a, order)
    ticket_a, ticket_file_a = _support_ticket_of(agency_a)
    cancellation_a = _cancellation_of(sale_a.policy)
    return ObjectsOfA(
        ids={
            **crm_ids,
            "advice_request_id": str(advice_a.pk),
            "cancellation_id": str(cancellation_a.public_id),
            "queue_id": str(cancellation_a.pk),
            "order_id": str(order.public_id),
            "quote_id": str(order.quote.public_id),
            "public_id": str(order.quote.public_id),
            "payment_id": str(sale_a.payment.public_id),
            "number": sale_a.policy.number,
            "document_id": str(document.pk),
            "offer_id": str(offer_a.pk),
            "page_id": str(page_a.pk),
            "slug": page_a.slug,
            "banner_id": str(banner_a.pk),
            "membership_id": str(owner_a.pk),
            "customer_id": str(order.customer_id),
            "agency_id": str(agency_a.pk),
            "statement_id": str(statement_a.pk),
            "sale_id": str(panel_sale_a.pk),
            "line_code": order.line.code,
            "token": token_a,
            "instrument_id": str(cheque_a.pk),
            "book_id": str(book_a.pk),
            "template_id": str(template_a.pk),
            "pattern_id": str(pattern_a.pk),
            "bulk_id": str(bulk_a.pk),
            "top_up_id": str(top_up_a.public_id),
            "followup_id": str(followup_a.pk),
            "item_id": str(item_a.pk),
            "renewal_token": renewal_token_a,
            "application_id": str(_agency_application_of(owner_a.user).public_id),
            **_claim_of(sale_a),
            "ticket_id": str(ticket_a.pk),
            "ticket_attachment_id": str(ticket_file_a.pk),
        }
    )


def _agency_application_of(applicant):
    """An agency application (sign-up is on the main site only: every agency host says 404)."""
    from decimal import Decimal

    from django.utils import timezone

    from onboarding.models import AgencyApplication

    return AgencyApplication.objects.create(
        applicant=applicant,
        first_name="SECRET-BUYER",
        last_name="OF-A",
        national_code="0499370899",
        mobile=applicant.mobile,
        province="تهران",
        city="تهران",
        address="SECRET-OF-A",
        latitude=Decimal("35.7"),
        longitude=Decimal("51.4"),
        terms_version="1405-01",
        terms_accepted_at=timezone.now(),
    )


def _advice_of(agency_a, order):
    """An advice request offered to A and answered by A (B was never offered it)."""
    from advice.models import AdviceAnswer, AdviceOffer, AdviceRequest

    request = AdviceRequest.objects.create(
        customer=order.customer,
        line=order.line,
        note="SECRET-OF-A advice",
        latitude="35.7",
        longitude="51.4",
        expires_at=order.created_at,
    )
    AdviceOffer.objects.create(request=request, agency=agency_a, wave=1, distance_m=100)
    AdviceAnswer.objects.create(request=request, agency=agency_a, number=1, message="SECRET-OF-A")
    return request


def _claim_of(sale_a) -> dict[str, str]:
    """A claim filed on A's policy, with a document (claims, decision 048)."""
    from claims.models import Claim, ClaimDocument

    claim = Claim.objects.create(
        number="C-SECRET-OF-A",
        policy=sale_a.policy,
        line=sale_a.policy.line,
        agency=sale_a.policy.agency,
        customer=sale_a.order.customer,
        insured_name="SECRET-BUYER OF-A",
        mobile=sale_a.order.customer.mobile,
        occurred_at=sale_a.order.created_at,
        province="SECRET-OF-A",
        city="x",
        place="SECRET-OF-A",
        description="SECRET-OF-A",
    )
    document = ClaimDocument.objects.create(
        claim=claim,
        kind="vehicle_card",
        file="claims/a/secret.png",
        content_type="image/png",
        size=1,
        original_name="secret.png",
        sha256="0" * 64,
    )
    return {"filed_claim_id": str(claim.public_id), "claim_document_id": str(document.public_id)}


def _support_ticket_of(agency_a):
    """A support ticket of agency A to the insurer, with a file (decision 051)."""
    from support.models import Attachment, Message, Ticket
    from tests.support.conftest import category_of

    owner = agency_a.memberships.get().user
    ticket = Ticket.objects.create(
        side="agency",
        agency=agency_a,
        opened_by=owner,
        category=category_of("agency"),
        subject="SECRET-OF-A ticket",
    )
    message = Message.objects.create(
        ticket=ticket, author_side="agency", author=owner, body="SECRET-OF-A"
    )
    attachment = Attachment.objects.create(
        ticket=ticket,
        message=message,
        file="support/secret.png",
        content_type="image/png",
        size=1,
        original_name="secret.png",
    )
    return ticket, attachment


def _cancellation_of(policy):
    """A cancellation request of A's customer on A's policy (decision 049)."""
    from cancellations.models import CancellationRequest, ShortRateTable

    table, _created = ShortRateTable.objects.get_or_create(line_code="")
    return CancellationRequest.objects.create(
        policy=policy,
        customer=policy.customer,
        agency=policy.agency,
        last_day=policy.end_date - dt.timedelta(days=1),
        reason="sold",
        table=table,
        premium=policy.premium,
        term_days=365,
        days_used=1,
        kept_percent=20,
        kept=0,
        refund=0,
    )


def _renewal_of(agency_a):
    """A renewal work item of A and the renewal link of its policy (decision 043)."""
    from crm.models import BookPolicy, Customer
    from renewals.models import WorkItem
    from renewals.services.online import renewal_link_token

    with schema_context(agency_a.schema_name):
        holder = Customer.objects.create(last_name="SECRET-RENEWAL", source="panel")
        book = BookPolicy.objects.create(
            customer=holder,
            origin="other",
            insurer_code="iran",
            line_code="fire",
            number="A-R",
            end_date=dt.date.today() + dt.timedelta(days=30),
        )
        for _n in range(3):  # A's ids run past anything B's schema holds
            item = WorkItem.objects.create(
                kind="renewal",
                book_policy=book
                if _n == 2
                else BookPolicy.objects.create(
                    customer=holder, origin="other", insurer_code="iran", line_code="fire"
                ),
                customer=holder,
                line_code="fire",
                created_on=dt.date(2026, 1, 1),
            )
    token = renewal_link_token(
        agency_id=agency_a.pk, book_policy_id=book.pk, end_date=book.end_date
    )
    return item, token


def _panel_sale_of(agency_a, order):
    """A sale A's staff made in the panel for ``order`` (crm), and the link texted for it."""
    from crm.models import Customer, PanelSale
    from crm.services.selling import sale_link_make

    with schema_context(agency_a.schema_name):
        customer = Customer.objects.create(last_name="SECRET-BUYER", source="panel")
        sale = PanelSale.objects.create(
            customer=customer,
            order_id=order.pk,
            order_public_id=order.public_id,
            quote_id=order.quote_id,
            line_code=order.line.code,
            premium=order.premium,
        )
    return sale, sale_link_make(agency=agency_a, order_id=order.pk).rstrip("/").rsplit("/", 1)[1]


@pytest.mark.parametrize(
    "urlconf,hosts",
    [
        ("config.urls_panel", ["panel.localhost"]),
        ("config.urls_agency", ["ar686.localhost", "ar685.localhost"]),
    ],
)
def test_agency_b_gets_404_for_every_id_of_agency_a(
    client, two_agencies, objects_of_a, urlconf, hosts
):
    _agency_a, agency_b, _page_a = two_agencies
    client.force_login(agency_b.memberships.get().user)
    walked = []
    for route in _routes(urlconf):
        if "<" not in route or route.startswith(NOT_AN_AGENCY_OBJECT):
            continue
        path = objects_of_a.fill(route)
        for host in hosts:
            if host == "ar685.localhost" and route.startswith(PUBLIC_ON_OWN_SITE):
                continue
            response = client.get(path, HTTP_HOST=host)
            if response.status_code == 405:  # the methods it takes, each with A's id
                for method in response["Allow"].replace(" ", "").split(","):
                    if method not in ("OPTIONS", "HEAD"):
                        other = client.generic(method, path, HTTP_HOST=host)
                        assert other.status_code == 404, (
                            f"{method} {host}{path}: {other.status_code}"
                        )
            else:
                assert response.status_code == 404, f"{host}{path}: {response.status_code}"
            walked.append(route)
    assert len(walked) >= 8
    if urlconf == "config.urls_agency":  # the CRM's API is walked too (decision 033)
        assert {
            "api/crm/customers/<int:crm_customer_id>/phones/<int:phone_id>/",
            "api/crm/book/<int:book_policy_id>/",
            "api/crm/cases/<int:case_id>/",
        } <= set(walked)

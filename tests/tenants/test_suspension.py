"""A suspended or pending agency can do nothing (issue 11): every panel URL answers its members
with the Persian "agency not active" page and changes nothing, and every service in which the
agency acts refuses on its own, re-reading the status in its transaction, so that a request
that passed the panel's edge before the suspension cannot finish after it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.models import AgencyMembership, User
from core.models import AuditLog, SmsMessage
from policies.models import AgencyLine, Order, OrderDocument, Policy, SalesEvent
from policies.services.catalog import agency_line_offer_set
from policies.services.issuance import order_reject, policy_issue
from referrals.models import Offer, Referral, ReferralEvent, ReferralSettings
from referrals.services import offer_accept, offer_decline, referral_start
from settlement.models import CommissionStatement
from tenants.content.models import Banner, Page, SiteSettings
from tenants.content.services import banner_save, content_delete, page_save, site_settings_update
from tenants.models import Agency, Branch
from tenants.services import AgencyNotActive, agency_set_status, agency_settings_update
from tenants.services_staff import panel_staff_active_set, panel_staff_add, panel_staff_role_set
from tests.factories import create_user
from tests.policies.fixtures_issuance import paid_order
from tests.tenants.test_isolation import _crm_objects_of, _routes

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
STOPPED = [Agency.Status.SUSPENDED, Agency.Status.PENDING]
# What each status's page says (the heading), in Persian.
HEADING = {
    Agency.Status.SUSPENDED: "نمایندگی تعلیق شده است",
    Agency.Status.PENDING: "نمایندگی هنوز فعال نشده است",
}
# What a refusing service says.
MESSAGE = {
    Agency.Status.SUSPENDED: "نمایندگی شما تعلیق شده است: تا شرکت بیمه دوباره آن را فعال "
    "نکند، هیچ کاری برای آن انجام نمی‌شود.",
    Agency.Status.PENDING: "نمایندگی شما هنوز فعال نشده است: تا شرکت بیمه آن را فعال نکند، "
    "هیچ کاری برای آن انجام نمی‌شود.",
}
# Panel routes that are about the person, not the agency (their account, language, which
# agency to work for) or are infrastructure; every other panel route is the agency's.
NOT_THE_AGENCYS = ("healthz", "favicon.ico", "i18n/", "dev/", "accounts/", "login/", "switch/")


@dataclass
class World:
    """An active issuing agency with something behind every kind of panel id."""

    agency: Agency
    owner: AgencyMembership
    staff: AgencyMembership
    order: Order  # the agency's paid order, to issue or reject
    document: OrderDocument
    offer: Offer  # a main-site order offered to the agency, waiting
    page: Page
    banner: Banner
    statement: CommissionStatement
    instrument_id: int = 0  # a customer's cheque in the agency's CRM
    crm_ids: dict[str, str] = field(default_factory=dict)  # the agency's CRM case rows

    def ids(self) -> dict[str, str]:
        return {
            **self.crm_ids,
            "order_id": str(self.order.public_id),
            "document_id": str(self.document.pk),
            "offer_id": str(self.offer.pk),
            "page_id": str(self.page.pk),
            "banner_id": str(self.banner.pk),
            "membership_id": str(self.staff.pk),
            "customer_id": str(self.order.customer_id),
            "statement_id": str(self.statement.pk),
            "quote_id": str(self.order.quote.public_id),
            "line_code": self.order.line.code,
            "sale_id": "1",
            "instrument_id": str(self.instrument_id),
            "book_id": "1",  # refused before any lookup
            "bulk_id": "1",  # refused before any lookup
            "template_id": "1",  # an SMS template: refused before any lookup
            "pattern_id": "1",  # a contact pattern: refused before any lookup
            "top_up_id": "00000000-0000-0000-0000-000000000001",  # refused before any lookup
            "followup_id": "1",  # a follow-up call: refused before any lookup
            "item_id": "1",  # a renewal work item: refused before any lookup
            "advice_request_id": "1",  # an advice request: refused before any lookup
            "filed_claim_id": "00000000-0000-0000-0000-000000000001",  # a claim: refused first
            "claim_document_id": "00000000-0000-0000-0000-000000000001",  # refused first
            "ticket_id": "1",  # a support ticket: refused before any lookup
            "ticket_attachment_id": "1",  # a support ticket's file: refused before any lookup
        }

    def fill(self, route: str) -> str:
        ids = self.ids()

        def value(match: re.Match) -> str:
            name = match.group(2)
            assert name in ids, f"{route}: no object for <{name}>; add one to World"
            return ids[name]

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def world(agency, line, tariff, customer) -> World:
    Agency.objects.filter(pk=agency.pk).update(can_issue=True, phone="021-88880000")
    agency.refresh_from_db()
    owner = agency.memberships.get(role=AgencyMembership.Role.OWNER)
    staff = AgencyMembership.objects.create(
        agency=agency, user=create_user(), role=AgencyMembership.Role.STAFF
    )
    order = paid_order(line=line, tariff=tariff, customer=customer, agency=agency)
    document = OrderDocument.objects.create(
        order=order,
        kind="card",
        file="documents/ar685/x/card.png",
        content_type="image/png",
        original_name="card.png",
        size=10,
        sha256="0" * 64,
    )
    # A main-site order at the agency's door, offered to it by the referral service.
    ReferralSettings.objects.create(pk=1, wave_size=2, first_radius_km=Decimal("5"))
    main_order = paid_order(line=line, tariff=tariff, customer=create_user())
    main_order.latitude, main_order.longitude = Decimal("35.701000"), Decimal("51.401000")
    main_order.save(update_fields=["latitude", "longitude"])
    referral_start(order_id=main_order.pk)
    offer = Offer.objects.get(agency=agency, state=Offer.State.WAITING)
    with schema_context(agency.schema_name):
        page = Page.objects.get(slug="about")
        banner = Banner.objects.create(title="جشنواره پاییز", link="/insurance/")
    statement = CommissionStatement.objects.create(
        agency=agency,
        jalali_year=1405,
        jalali_month=8,
        period_start=dt.date(2026, 10, 23),
        period_end=dt.date(2026, 11, 21),
    )
    with schema_context(agency.schema_name):
        from crm.models import Customer, Instrument

        debtor = Customer.objects.create(first_name="بدهکار", last_name="نمونه")
        cheque = Instrument.objects.create(
            customer=debtor, kind="cheque", amount=Decimal("1000"), due_date=dt.date(2026, 12, 1)
        )
    world = World(
        agency,
        owner,
        staff,
        order,
        document,
        offer,
        page,
        banner,
        statement,
        crm_ids=_crm_objects_of(agency),
    )
    world.instrument_id = cheque.pk
    return world


def snapshot(agency: Agency) -> dict[str, Any]:
    """Everything an agency's action could change, to compare before and after."""
    with schema_context(agency.schema_name):
        content = {
            "settings": list(SiteSettings.objects.order_by("pk").values()),
            "pages": list(Page.objects.order_by("pk").values()),
            "banners": list(Banner.objects.order_by("pk").values()),
        }
    return {
        "agency": Agency.objects.filter(pk=agency.pk).values().get(),
        "memberships": list(
            AgencyMembership.objects.filter(agency=agency)
            .order_by("pk")
            .values("user_id", "role", "is_active")
        ),
        "lines": list(AgencyLine.objects.order_by("pk").values("line_id", "allowed", "offered")),
        "orders": list(
            Order.objects.order_by("pk").values(
                "pk", "state", "agency_id", "awaiting_agency", "rejection_reason", "refund_due"
            )
        ),
        "offers": list(Offer.objects.order_by("pk").values("pk", "state", "answered_by_id")),
        "referrals": list(Referral.objects.order_by("pk").values("pk", "state", "agency_id")),
        "policies": Policy.objects.count(),
        "audit": AuditLog.objects.count(),
        "sales_events": SalesEvent.objects.count(),
        "referral_events": ReferralEvent.objects.count(),
        "sms": SmsMessage.objects.count(),
        "users": User.objects.count(),
        "content": content,
    }


def stop(agency: Agency, status: str) -> None:
    agency_set_status(agency=agency, status=status, actor=None, reason="بازرسی")


def assert_inactive_page(response, status: str, where: str = "") -> None:
    body = response.content.decode()
    assert response.status_code == 403, f"{where}: {response.status_code}"
    assert f'id="panel-agency-inactive" data-status="{status}"' in body, where
    assert HEADING[status] in body, where


# ---- the edge: every panel URL ---------------------------------------------------------------


@pytest.mark.parametrize("status", STOPPED)
@pytest.mark.parametrize("role", ["owner", "staff"])
def test_every_panel_url_answers_the_persian_page_and_changes_nothing(client, world, status, role):
    """Walks every route of the panel's URLconf (a new panel page is walked too), with GET
    and POST, as the owner and as staff: each answers the page, and nothing changes."""
    stop(world.agency, status)
    before = snapshot(world.agency)
    client.force_login(getattr(world, role).user)
    walked = []
    for route in _routes("config.urls_panel"):
        if route.startswith(NOT_THE_AGENCYS):
            continue
        path = world.fill(route)
        answered = 0
        for method in ("get", "post"):
            response = getattr(client, method)(path, HTTP_HOST=PANEL)
            if response.status_code == 405:  # the route does not take this method
                continue
            assert_inactive_page(response, status, f"{method.upper()} {path}")
            answered += 1
        assert answered, f"{path} answered neither GET nor POST"
        walked.append(route)
    assert len(walked) >= 30
    assert snapshot(world.agency) == before


def test_the_page_says_why_and_whom_to_ask_in_persian(client, world):
    branch = Branch.objects.create(code="B12", name="شعبه مرکزی تهران")
    Agency.objects.filter(pk=world.agency.pk).update(branch=branch)
    stop(world.agency, Agency.Status.SUSPENDED)
    client.force_login(world.owner.user)
    response = client.get("/", HTTP_HOST=PANEL)
    body = response.content.decode()
    assert_inactive_page(response, Agency.Status.SUSPENDED)
    assert "شرکت بیمه نمایندگی خلیلی را تعلیق کرده است." in body
    assert "با شعبهٔ ناظر آن در شرکت بیمه تماس بگیرید: شعبه مرکزی تهران." in body
    assert response["Cache-Control"] == "no-store"
    # The panel's menu is not shown (its badge would poll an agency URL).
    assert 'id="nav-panel-sales"' not in body and "/offers/badge/" not in body


def test_a_pending_agency_is_told_it_is_not_active_yet(client, world):
    stop(world.agency, Agency.Status.PENDING)
    client.force_login(world.owner.user)
    response = client.get("/sales/", HTTP_HOST=PANEL)
    assert_inactive_page(response, Agency.Status.PENDING)
    assert "نمایندگی خلیلی هنوز از سوی شرکت بیمه فعال نشده است." in response.content.decode()


def test_a_polled_fragment_reloads_the_page_into_the_notice(client, world):
    """The offers badge and list are HTMX fragments: the answer tells HTMX to reload the
    page (which then shows the notice) instead of swapping a whole page into the badge."""
    stop(world.agency, Agency.Status.SUSPENDED)
    client.force_login(world.owner.user)
    for path in ("/offers/badge/", "/offers/waiting/"):
        response = client.get(path, HTTP_HOST=PANEL, HTTP_HX_REQUEST="true")
        assert_inactive_page(response, Agency.Status.SUSPENDED, path)
        assert response["HX-Refresh"] == "true"


def test_a_member_of_a_stopped_and_an_active_agency_works_in_the_active_one(
    client, world, agency_factory
):
    other = agency_factory(code=687, name="نمایندگی شیراز", owner_mobile="09171234567")
    AgencyMembership.objects.create(
        agency=other, user=world.owner.user, role=AgencyMembership.Role.MANAGER
    )
    stop(world.agency, Agency.Status.SUSPENDED)  # code 685 comes first
    client.force_login(world.owner.user)
    response = client.get("/", HTTP_HOST=PANEL)
    assert response.status_code == 200
    assert 'id="panel-agency">نمایندگی شیراز' in response.content.decode()
    # Chosen by hand, the suspended one answers the notice, with the way back to the other.
    client.post(f"/switch/{world.agency.pk}/", HTTP_HOST=PANEL)
    response = client.get("/", HTTP_HOST=PANEL)
    assert_inactive_page(response, Agency.Status.SUSPENDED)
    assert f'action="/switch/{other.pk}/"' in response.content.decode()


def test_the_panel_opens_again_once_the_agency_is_activated(client, world):
    stop(world.agency, Agency.Status.SUSPENDED)
    client.force_login(world.owner.user)
    assert client.get("/", HTTP_HOST=PANEL).status_code == 403
    agency_set_status(agency=world.agency, status=Agency.Status.ACTIVE, actor=None)
    assert client.get("/", HTTP_HOST=PANEL).status_code == 200


# ---- every action, with valid data: refused while stopped, done once active again -----------


def _page_count(world: World, slug: str) -> int:
    with schema_context(world.agency.schema_name):
        return Page.objects.filter(slug=slug).count()


def _banner(world: World) -> Banner | None:
    with schema_context(world.agency.schema_name):
        return Banner.objects.filter(pk=world.banner.pk).first()


def _banner_titled(world: World, title: str) -> bool:
    with schema_context(world.agency.schema_name):
        return Banner.objects.filter(title=title).exists()


def _headline(world: World) -> str:
    with schema_context(world.agency.schema_name):
        return SiteSettings.objects.get().headline


def _role(membership: AgencyMembership) -> tuple[str, bool]:
    membership.refresh_from_db()
    return membership.role, membership.is_active


Action = tuple[Callable[[World], tuple[str, dict]], Callable[[World], bool]]
ACTIONS: dict[str, Action] = {
    "accept": (
        lambda w: (f"/offers/{w.offer.pk}/accept/", {}),
        lambda w: Offer.objects.get(pk=w.offer.pk).state == Offer.State.ACCEPTED,
    ),
    "decline": (
        lambda w: (f"/offers/{w.offer.pk}/decline/", {}),
        lambda w: Offer.objects.get(pk=w.offer.pk).state == Offer.State.DECLINED,
    ),
    "issue": (
        lambda w: (f"/sales/{w.order.public_id}/issue/", {"start_date": ""}),
        lambda w: Order.objects.get(pk=w.order.pk).state == Order.State.ISSUED,
    ),
    "reject": (
        lambda w: (f"/sales/{w.order.public_id}/reject/", {"reason": "مدارک خودرو ناقص است"}),
        lambda w: Order.objects.get(pk=w.order.pk).state == Order.State.REJECTED,
    ),
    "settings": (
        lambda w: (
            "/settings/",
            {
                "phone": "021-22223333",
                "address": "تهران، خیابان شریعتی",
                "city": "تهران",
                "province": "تهران",
                "latitude": "35.750000",
                "longitude": "51.450000",
                "accepts_referrals": "on",
            },
        ),
        lambda w: Agency.objects.get(pk=w.agency.pk).phone == "021-22223333",
    ),
    "lines": (
        lambda w: ("/settings/lines/", {}),  # every line switched off
        lambda w: AgencyLine.objects.filter(agency=w.agency, offered=False).count() == 1,
    ),
    "content": (
        lambda w: (
            "/content/",
            {
                "headline": "بیمه آنلاین با ما",
                "about_text": "<p>درباره ما</p>",
                "contact_text": "<p>تماس</p>",
                "primary_color": "#112233",
                "secondary_color": "#445566",
            },
        ),
        lambda w: _headline(w) == "بیمه آنلاین با ما",
    ),
    "page_add": (
        lambda w: (
            "/content/pages/add/",
            {"title": "خدمات", "slug": "services", "body": "<p>خدمات</p>", "position": "3"},
        ),
        lambda w: _page_count(w, "services") == 1,
    ),
    "page_edit": (
        lambda w: (
            f"/content/pages/{w.page.pk}/",
            {"title": "درباره ما", "slug": "about-us", "body": "<p>ما</p>", "position": "1"},
        ),
        lambda w: _page_count(w, "about-us") == 1,
    ),
    "page_delete": (
        lambda w: (f"/content/pages/{w.page.pk}/delete/", {}),
        lambda w: _page_count(w, "about") == 0,
    ),
    "banner_add": (
        lambda w: ("/content/banners/add/", {"title": "تخفیف", "link": "", "position": "2"}),
        lambda w: _banner_titled(w, "تخفیف"),
    ),
    "banner_edit": (
        lambda w: (
            f"/content/banners/{w.banner.pk}/",
            {"title": "جشنواره زمستان", "link": "/insurance/", "position": "1"},
        ),
        lambda w: getattr(_banner(w), "title", None) == "جشنواره زمستان",
    ),
    "banner_delete": (
        lambda w: (f"/content/banners/{w.banner.pk}/delete/", {}),
        lambda w: _banner(w) is None,
    ),
    "staff_add": (
        lambda w: ("/staff/", {"mobile": "09127778888", "role": "staff"}),
        lambda w: AgencyMembership.objects.filter(
            agency=w.agency, user__mobile="09127778888"
        ).exists(),
    ),
    "staff_role": (
        lambda w: (f"/staff/{w.staff.pk}/role/", {"role": "manager"}),
        lambda w: _role(w.staff) == ("manager", True),
    ),
    "staff_active": (
        lambda w: (f"/staff/{w.staff.pk}/active/", {"active": "0"}),
        lambda w: _role(w.staff) == ("staff", False),
    ),
}


@pytest.mark.parametrize("status", STOPPED)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_is_refused_while_stopped_and_done_once_active(client, world, action, status):
    request, done = ACTIONS[action]
    path, data = request(world)
    stop(world.agency, status)
    before = snapshot(world.agency)
    client.force_login(world.owner.user)

    assert_inactive_page(client.post(path, data, HTTP_HOST=PANEL), status, path)
    assert snapshot(world.agency) == before
    assert not done(world)

    # The same request, once the agency is active again, does what it says: the refusal
    # above came from the status alone.
    agency_set_status(agency=world.agency, status=Agency.Status.ACTIVE, actor=None)
    response = client.post(path, data, HTTP_HOST=PANEL)
    assert response.status_code == 302, f"{path}: {response.status_code}"
    assert done(world)


# ---- the services themselves: a request that passed the edge before the suspension ----------


def _call_accept(w: World) -> Any:
    return offer_accept(offer_id=w.offer.pk, agency=w.agency, actor=w.owner.user)


def _call_decline(w: World) -> Any:
    return offer_decline(offer_id=w.offer.pk, agency=w.agency, actor=w.owner.user)


def _call_issue(w: World) -> Any:
    return policy_issue(order=w.order, actor=w.owner.user)


def _call_reject(w: World) -> Any:
    return order_reject(order=w.order, actor=w.owner.user, reason="مدارک خودرو ناقص است")


def _call_settings(w: World) -> Any:
    return agency_settings_update(agency=w.agency, actor=w.owner.user, phone="021-22223333")


def _call_lines(w: World) -> Any:
    return agency_line_offer_set(
        agency=w.agency, line=w.order.line, offered=False, actor=w.owner.user
    )


def _in_schema(call: Callable[[World], Any]) -> Callable[[World], Any]:
    def run(w: World) -> Any:
        with schema_context(w.agency.schema_name):
            return call(w)

    return run


SERVICES: dict[str, Callable[[World], Any]] = {
    "offer_accept": _call_accept,
    "offer_decline": _call_decline,
    "policy_issue": _call_issue,
    "order_reject": _call_reject,
    "agency_settings_update": _call_settings,
    "agency_line_offer_set": _call_lines,
    "site_settings_update": _in_schema(
        lambda w: site_settings_update(
            actor=w.owner.user, agency_id=w.agency.pk, headline="بیمه آنلاین با ما"
        )
    ),
    "page_save": _in_schema(
        lambda w: page_save(
            actor=w.owner.user, agency_id=w.agency.pk, title="خدمات", slug="services", body=""
        )
    ),
    "page_save_edit": _in_schema(
        lambda w: page_save(actor=w.owner.user, agency_id=w.agency.pk, page=w.page, title="ما")
    ),
    "banner_save": _in_schema(
        lambda w: banner_save(actor=w.owner.user, agency_id=w.agency.pk, title="تخفیف")
    ),
    "content_delete": _in_schema(
        lambda w: content_delete(instance=w.banner, actor=w.owner.user, agency_id=w.agency.pk)
    ),
    "panel_staff_add": lambda w: panel_staff_add(
        actor_membership=w.owner, mobile="09127778888", role="staff"
    ),
    "panel_staff_role_set": lambda w: panel_staff_role_set(
        membership=w.staff, role="manager", actor_membership=w.owner
    ),
    "panel_staff_active_set": lambda w: panel_staff_active_set(
        membership=w.staff, active=False, actor_membership=w.owner
    ),
    "support_ticket_open": lambda w: _support_ticket_open(w),
}


def _support_ticket_open(w: World) -> Any:
    from support.services import Party, ticket_open
    from tests.support.conftest import category_of

    return ticket_open(
        party=Party.of_agency(agency=w.agency, user=w.owner.user),
        category=category_of("agency"),
        subject="دسترسی کارمند جدید",
        body="کارمند جدید وارد پنل نمی‌شود.",
    )


@pytest.mark.parametrize("status", STOPPED)
@pytest.mark.parametrize("service", SERVICES)
def test_a_service_called_with_the_agency_loaded_while_active_refuses(world, service, status):
    """The objects were loaded while the agency was active (the request passed the edge);
    the suspension commits before the service runs: the service re-reads the status in its
    own transaction, refuses, and changes nothing. Active again, the same call goes through
    (so the refusal was the status's doing)."""
    assert world.agency.status == Agency.Status.ACTIVE and world.owner.agency.is_site_active
    stop(world.agency, status)
    before = snapshot(world.agency)

    with pytest.raises(AgencyNotActive) as refused:
        SERVICES[service](world)

    assert refused.value.status == status
    assert refused.value.message == MESSAGE[status]
    assert snapshot(world.agency) == before

    agency_set_status(agency=world.agency, status=Agency.Status.ACTIVE, actor=None)
    before = snapshot(world.agency)
    SERVICES[service](world)
    after = snapshot(world.agency)
    assert after["audit"] > before["audit"]


def test_the_refusal_is_the_inactive_page_when_the_edge_was_passed_before(
    client, world, monkeypatch
):
    """Suspended between the edge and the service: the panel answers the notice (not a 500
    and not an acceptance), and nothing changed."""
    from tenants.panel import base

    client.force_login(world.owner.user)
    client.post(f"/switch/{world.agency.pk}/", HTTP_HOST=PANEL)
    before = snapshot(world.agency)
    before["agency"]["status"] = Agency.Status.SUSPENDED
    real = base.membership_get

    def membership_then_suspension(**kwargs):
        found = real(**kwargs)  # loaded while active: the edge lets the request through
        Agency.objects.filter(pk=world.agency.pk).update(status=Agency.Status.SUSPENDED)
        return found

    monkeypatch.setattr(base, "membership_get", membership_then_suspension)
    response = client.post(f"/offers/{world.offer.pk}/accept/", HTTP_HOST=PANEL)

    assert_inactive_page(response, Agency.Status.SUSPENDED)
    assert snapshot(world.agency) == before

"""The panel's order page on a phone: a 390 × 844 screen shows it without sideways scrolling."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from policies.models import Order, Payment, Quote, SalesEvent, TariffVersion
from policies.services.catalog import catalog_load
from tests.factories import create_agency, create_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.82 Mobile Safari/537.36"
)


@pytest.fixture
def site_port(settings, live_port):
    settings.SITE_PORT = str(live_port)
    return live_port


def _paid_order(agency) -> Order:
    """A paid third-party order of ``agency`` with everything its page shows: details,
    a breakdown, two payment attempts and a timeline with a long browser name."""
    catalog_load(lines=["third_party"])
    version = TariffVersion.objects.get(line__code="third_party", status="active")
    customer = create_user(first_name="سارا", last_name="کریمی‌نژاد", national_code="0013542419")
    breakdown = [
        {"code": "base", "label": "حق بیمه پایه", "label_en": "Base premium", "amount": "68000000"},
        {
            "code": "duties",
            "label": "عوارض و سهم صندوق تأمین خسارت‌های بدنی",
            "label_en": "Duties",
            "amount": "1734000",
        },
    ]
    quote = Quote.objects.create(
        line=version.line,
        tariff_version=version,
        answers={"vehicle_group": "pride", "usage": "personal", "production_year": 1398},
        premium=Decimal("69734000"),
        breakdown=breakdown,
        term_days=365,
        agency=agency,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    order = Order.objects.create(
        channel=Order.Channel.AGENCY,
        agency=agency,
        customer=customer,
        quote=quote,
        line=version.line,
        tariff_version=version,
        premium=quote.premium,
        breakdown=breakdown,
        term_days=365,
        state=Order.State.PAID,
        paid_at=timezone.now(),
        insured_first_name="سارا",
        insured_last_name="کریمی‌نژاد",
        insured_national_code="0013542419",
        insured_birth_date=dt.date(1993, 8, 5),
        insured_mobile="09121112233",
        details={
            "plate_number": "12ب345-67",
            "chassis_number": "NAAM01CA9JK123456",
            "engine_number": "M15A1234567",
        },
        delivery_method=Order.Delivery.POST,
        delivery_province="خراسان رضوی",
        delivery_city="مشهد",
        delivery_address="بلوار وکیل‌آباد، خیابان هنرستان، نبش هنرستان ۱۴، ساختمان پزشکان، طبقه سوم",
        delivery_postal_code="9187654321",
        delivery_date=dt.date.today() + dt.timedelta(days=3),
        delivery_slot=Order.Slot.AFTERNOON,
    )
    for attempt, state in ((1, Payment.State.FAILED), (2, Payment.State.SUCCEEDED)):
        Payment.objects.create(
            order=order,
            attempt=attempt,
            gateway="zarinpal",
            amount=order.premium,
            token=f"A00000000000000000000000000000{attempt:06d}",
            state=state,
            reference="201234567890" if state == Payment.State.SUCCEEDED else "",
            card_mask="603799******1234" if state == Payment.State.SUCCEEDED else "",
            verified_at=timezone.now() if state == Payment.State.SUCCEEDED else None,
        )
    for event in ("order_created", "payment_started", "payment_verified", "order_paid"):
        SalesEvent.objects.create(
            event=event,
            order=order,
            agency=agency,
            actor=customer,
            actor_label=str(customer),
            ip_address="2001:db8:85a3::8a2e:370:7334",
            user_agent=USER_AGENT,
        )
    return order


def _phone_tab(browser, user, port: int, path: str):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fa-IR", viewport=PHONE, device_scale_factor=2)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": "panel.localhost",
                "path": "/",
            }
        ]
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    tab.goto(f"http://panel.localhost:{port}{path}")
    return tab


def _overflow(tab) -> dict:
    """How far the page is wider than the screen, and the widest elements past its edge."""
    return tab.evaluate(
        """() => {
          const width = window.innerWidth;
          const wide = [...document.querySelectorAll("body *")]
            .filter((e) => { const r = e.getBoundingClientRect();
                             return r.width > 0 && (r.right > width + 1 || r.left < -1); })
            .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                        + (e.className && e.className.baseVal === undefined
                           ? "." + String(e.className).trim().split(/\\s+/).join(".") : ""));
          return {scroll: document.documentElement.scrollWidth, width: width,
                  wide: wide.slice(0, 12)};
        }"""
    )


@pytest.mark.parametrize("can_issue", [True, False])
def test_the_panel_order_page_fits_a_390_px_screen(
    browser, site_port, drop_schemas_after, tmp_path, can_issue
):
    agency = create_agency(code=685, name="نمایندگی بیمه خلیلی و همکاران", can_issue=can_issue)
    order = _paid_order(agency)
    owner = agency.memberships.get().user
    tab = _phone_tab(browser, owner, site_port, f"/sales/{order.public_id}/")
    tab.wait_for_selector("#order-timeline")
    assert tab.locator("#issue-form").count() == (1 if can_issue else 0)
    measured = _overflow(tab)
    tab.screenshot(path=str(tmp_path / "panel-order-390.png"), full_page=True)
    assert measured["width"] == 390
    assert measured["scroll"] <= measured["width"], measured

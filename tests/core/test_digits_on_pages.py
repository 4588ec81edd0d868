"""No Persian page shows a Latin digit, and no English page a Persian one.

Every main page of the storefront (each line's quote form with a range error, the quote, the
purchase steps, the order, the account, the policy check, the login and profile forms with
their errors), the agency panel and the virtual branch (orders, sales record, requests,
plans, referrals, settlement, commissions, reports, audit log) is rendered from a sale made
through the real pages; the text a person reads (text nodes and placeholders, scripts and
styles aside) must hold no digit of the other language, except codes the page marks as
Latin (``data-latin``: VINs, verification codes, IP addresses, file hashes).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pprint import pformat

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from core.jalali import tehran
from policies.models import Line, Order, Policy, TariffVersion
from policies.services.issuance import policy_issue
from policies.services.plans import sales_plan_submit
from referrals.services import referral_settings_update
from settlement.models import SettlementBatch, SettlementItem
from settlement.services.statements import commission_statements_build
from tenants.control import control_request_decide, control_request_file
from tenants.models import ControlRequest
from tests.factories import create_agency, create_user
from tests.policies.conftest import catalog, pricing_day  # noqa: F401 - fixtures
from tests.policies.test_purchase_pages import buy_until_review, pay
from tests.settlement.statement_data import ABAN, jalali_moment, settled, sold
from tests.visible_text import with_latin_digits, with_persian_digits

pytestmark = pytest.mark.django_db

MAIN, AGENCY, PANEL, OPS = "localhost", "ar685.localhost", "panel.localhost", "ops.localhost"
# Answers outside each line's bounds: the quote form shows the bound in its message.
OUT_OF_RANGE = {
    "third_party": {
        "vehicle_group": "pride",
        "usage": "personal",
        "production_year": "1300",
        "previous_insurer": "none",
        "no_claim_years": "99",
        "days_since_expiry": "0",
        "extra_cover": "none",
    },
    "motor_hull": {"vehicle_value": "5", "production_year": "1400", "no_claim_years": "0"},
    "fire": {"building_type": "brick", "area": "5", "cost_per_m2": "1", "contents_value": "0"},
    "travel": {"zone": "asia", "duration": "7", "age": "120"},
}
VALID = {
    "third_party": {
        **OUT_OF_RANGE["third_party"],
        "production_year": "1398",
        "no_claim_years": "0",
    },
    "motor_hull": {
        "vehicle_value": "2,000,000,000",
        "production_year": "1402",
        "theft": "on",
        "no_claim_years": "2",
    },
    "fire": {
        "building_type": "concrete",
        "area": "120",
        "cost_per_m2": "150000000",
        "contents_value": "2000000000",
        "earthquake": "on",
    },
    "travel": {"zone": "schengen", "duration": "31", "age": "40"},
}


@pytest.fixture
def world(client, catalog, customer):  # noqa: F811 - the fixture imported above
    """A sale of each kind through the real pages: an agency order issued by the agency, a
    main-site order paid, a draft in progress; a control request decided, a sales plan, a
    day's settlement batches and a commission statement."""
    agency = create_agency(code=685, name="نمایندگی خلیلی", city="تهران", can_issue=True)
    owner = agency.memberships.get().user
    admin = create_user(insurer_role=User.InsurerRole.ADMIN, first_name="مدیر", last_name="سامانه")
    client.force_login(customer)
    agency_order = buy_until_review(client, AGENCY)
    pay(client, AGENCY, agency_order)
    main_order = buy_until_review(client, MAIN)
    pay(client, MAIN, main_order)
    draft = buy_until_review(client, MAIN)
    policy = policy_issue(order=Order.objects.get(pk=agency_order.pk), actor=owner)
    manager = create_user(insurer_role=User.InsurerRole.BRANCH_MANAGER, first_name="مدیر")
    request = control_request_file(
        agency=agency,
        kind=ControlRequest.Kind.LINE_RESTRICT,
        line_code="travel",
        reason="درخواست بیمه‌گر",
        actor=manager,
    )
    control_request_decide(request=request, approve=True, actor=admin)
    marketing = create_user(insurer_role=User.InsurerRole.MARKETING)
    starts = timezone.localdate(timezone=tehran()) + dt.timedelta(days=20)
    sales_plan_submit(
        actor=marketing,
        title="جشنواره پاییز",
        discount_percent=Decimal("12.5"),
        lines=[Line.objects.get(code="fire")],
        starts_on=starts,
        ends_on=starts + dt.timedelta(days=10),
    )
    referral_settings_update(actor=admin, wave_size=4)
    line = Line.objects.get(code="third_party")
    tariff = TariffVersion.objects.get(line=line, status="active")
    commission = sold(
        agency=agency,
        line=line,
        tariff=tariff,
        customer=customer,
        issued_at=jalali_moment(*ABAN, 10),
    )
    item = settled(
        commission,
        batch_state=SettlementBatch.State.DISCREPANT,
        item_state=SettlementItem.State.DIFFERS,
        confirmed_amount=Decimal("65000000"),
    )
    (statement,) = commission_statements_build(
        jalali_year=ABAN[0], jalali_month=ABAN[1], actor=admin
    )
    return {
        "agency": agency,
        "owner": owner,
        "admin": admin,
        "customer": customer,
        "agency_order": Order.objects.get(pk=agency_order.pk),
        "main_order": Order.objects.get(pk=main_order.pk),
        "draft": draft,
        "policy": Policy.objects.get(pk=policy.pk),
        "statement": statement,
        "batch": item.batch,
    }


def _storefront_pages(client, world, language: str = "fa") -> dict[str, str]:
    pages: dict[str, str] = {}

    def get(name: str, path: str, host: str = MAIN, **query) -> None:
        response = client.get(path, query, HTTP_HOST=host)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()

    def post(name: str, path: str, data: dict, host: str = MAIN, status: int = 200) -> str:
        response = client.post(path, data, HTTP_HOST=host)
        assert response.status_code == status, (name, response.status_code)
        pages[name] = response.content.decode()
        return response.get("Location", "")

    client.logout()  # drops every cookie: the language is chosen again
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    get("main home", "/")
    get("agency home", "/", AGENCY)
    get("lines", "/insurance/")
    for code in OUT_OF_RANGE:
        get(f"quote form {code}", f"/insurance/{code}/")
        post(f"quote errors {code}", f"/insurance/{code}/", OUT_OF_RANGE[code])
        location = post(f"quote {code}", f"/insurance/{code}/", VALID[code], status=302)
        get(f"quote result {code}", location)
    get("verify form", "/verify/")
    get("verify result", f"/verify/{world['policy'].verification_code}/")
    get("login", "/accounts/login/")
    post("login error", "/accounts/login/", {"mobile": "0912"})
    client.post("/accounts/login/", {"mobile": "09351234567"}, HTTP_HOST=MAIN)
    post("login code error", "/accounts/login/verify/", {"code": "12"})
    client.force_login(world["customer"])
    get("profile", "/accounts/profile/")
    post("profile errors", "/accounts/profile/", {"first_name": "ا" * 300, "national_code": "12"})
    draft = world["draft"]
    for step in ("insured", "details", "documents", "delivery", "review"):
        get(f"step {step}", f"/orders/{draft.public_id}/{step}/")
    post(
        "step documents error",
        f"/orders/{draft.public_id}/documents/",
        {"vehicle_card": SimpleUploadedFile("card.txt", b"not an image"), "upload": "1"},
        status=400,
    )
    get("order paid", f"/orders/{world['main_order'].public_id}/")
    get("order issued", f"/orders/{world['agency_order'].public_id}/", AGENCY)
    get("account", "/account/")
    get("account on the agency site", "/account/", AGENCY)
    return pages


def _panel_pages(client, world) -> dict[str, str]:
    client.force_login(world["owner"])
    order, customer = world["agency_order"], world["customer"]
    paths = {
        "panel dashboard": "/",
        "panel sales": "/sales/",
        "panel sales filtered": "/sales/?date_from=1405/13/40",
        "panel order": f"/sales/{order.public_id}/",
        "panel customers": "/customers/",
        "panel customer": f"/customers/{customer.pk}/",
        "panel offers": "/offers/",
        "panel settings": "/settings/",
        "panel lines": "/settings/lines/",
        "panel content": "/content/",
        "panel staff": "/staff/",
        "panel statements": "/commissions/",
        "panel statement": f"/commissions/{world['statement'].pk}/",
    }
    pages = {}
    for name, path in paths.items():
        response = client.get(path, HTTP_HOST=PANEL)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()
    response = client.post("/settings/", {"phone": "1" * 40, "city": "تهران"}, HTTP_HOST=PANEL)
    pages["panel settings errors"] = response.content.decode()
    return pages


def _ops_pages(client, world) -> dict[str, str]:
    client.force_login(world["admin"])
    main = world["main_order"]
    paths = {
        "ops home": "/",
        "ops queue": "/issuance/",
        "ops order": f"/issuance/{main.public_id}/",
        "ops order print": f"/issuance/{main.public_id}/print/",
        "ops sales record": "/sales-record/",
        "ops control": "/control/",
        "ops plans": "/plans/",
        "ops referrals": "/referrals/",
        "ops referral": f"/referrals/{main.public_id}/",
        "ops settlement": "/settlement/",
        "ops settlement batch": f"/settlement/batches/{world['batch'].pk}/",
        "ops settlement export": f"/settlement/exports/{world['batch'].export_id}/",
        "ops confirmation": f"/settlement/confirmations/{world['batch'].export.confirmation_id}/",
        "ops commissions": "/commissions/",
        "ops statement": f"/commissions/{world['statement'].pk}/",
        "ops reports": "/reports/",
        "ops sales report": "/reports/sales/",
        "ops referral report": "/reports/referrals/",
        "ops settlement report": "/reports/settlement/",
        "ops audit": "/audit/",
    }
    pages = {}
    for name, path in paths.items():
        response = client.get(path, HTTP_HOST=OPS)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.content.decode()
    for name, path, data in (
        (
            "ops referral settings errors",
            "/referrals/",
            {
                "wave_size": "0",
                "first_radius_km": "9999",
                "radius_growth": "1",
                "offer_minutes": "10",
                "max_waves": "3",
            },
        ),
        (
            "ops rate errors",
            "/commissions/rates/",
            {"percent": "75", "effective_from": "1405/01/01"},
        ),
    ):
        response = client.post(path, data, HTTP_HOST=OPS)
        assert response.status_code in (200, 400), (name, response.status_code)
        pages[name] = response.content.decode()
    return pages


def test_no_persian_page_shows_a_latin_digit(client, world):
    pages = {
        **_storefront_pages(client, world),
        **_panel_pages(client, world),
        **_ops_pages(client, world),
    }
    shown = {name: with_latin_digits(html) for name, html in pages.items()}
    failures = {name: texts for name, texts in shown.items() if texts}
    assert failures == {}, pformat(failures, width=100)
    # The range errors of the quote forms are there, in Persian digits.
    assert "دست‌کم ۱۳۶۰ وارد کنید." in pages["quote errors third_party"]
    assert "دست‌کم ۱۰۰٬۰۰۰٬۰۰۰ وارد کنید." in pages["quote errors motor_hull"]
    # Latin codes keep their Latin digits, marked as such.
    assert '<bdi dir="ltr" data-latin>NAAM01CA9JK123456</bdi>' in pages["step review"]
    assert "NAAM01CA9JK123456" in pages["panel order"]


def test_no_english_page_shows_a_persian_digit(client, world):
    pages = _storefront_pages(client, world, language="en")
    assert 'lang="en"' in pages["lines"]
    shown = {name: with_persian_digits(html) for name, html in pages.items()}
    # What people typed stays as they typed it (the address's house number).
    shown = {
        name: [text for text in texts if "خیابان ولیعصر" not in text]
        for name, texts in shown.items()
    }
    failures = {name: texts for name, texts in shown.items() if texts}
    assert failures == {}, pformat(failures, width=100)
    assert "Enter at least 1360." in pages["quote errors third_party"]
    assert "Enter at least 100,000,000." in pages["quote errors motor_hull"]

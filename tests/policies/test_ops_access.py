"""Who may open which virtual-branch page: every route of config.urls_ops, walked from the
URLconf, for every insurer role, an agency owner, a customer and an anonymous visitor.

A route that is not in ROUTES (nor under one of PREFIXES) fails the test, so a new ops page
cannot go unguarded. Routes with ids are filled with real objects made here (an order with a
document and a policy PDF, a pending control request, a submitted sales plan), so an allowed
role reaches the page itself. Under PREFIXES, whose pages colleagues are still building, the
test holds every route to the prefix's viewing roles: others get 404 and anonymous visitors
the login page, while an allowed role may answer 404 only for a route naming an object this
test does not make, or for a POST (acting may be narrower than viewing). Give such a route its
own ROUTES entry to check it exactly.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from core.jalali import tehran
from onboarding.models import AgencyApplication
from policies.models import Policy, SalesPlan
from policies.services.plans import sales_plan_submit
from tenants.control import control_request_file
from tenants.models import ControlRequest
from tests.factories import create_user
from tests.policies.fixtures_issuance import *  # noqa: F403 - its fixtures
from tests.policies.fixtures_issuance import paid_order

pytestmark = pytest.mark.django_db

OPS = "ops.localhost"
STAFF = ("operator", "branch_manager", "marketing", "admin")
BRANCH = ("operator", "branch_manager", "admin")
DECIDE = ("operator", "admin")
PEOPLE = (*STAFF, "owner", "customer", "anonymous")

# Not pages of the virtual branch, or infrastructure every host serves.
SKIP = (
    "admin/",
    "api/",
    "^api/",
    "static/",
    "media/",
    "i18n/",
    "healthz",
    "favicon.ico",
    "dev/",
    "accounts/",
)


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]  # who may open it; every other person gets 404 (anonymous: login)
    answer: int = 200  # what an allowed role gets
    method: str = "get"


ROUTES: dict[str, Rule] = {
    "": Rule(STAFF),
    "issuance/": Rule(BRANCH),
    "issuance/<uuid:order_id>/": Rule(BRANCH),
    "issuance/<uuid:order_id>/print/": Rule(BRANCH),
    # The guard answers first; a GET then is refused (issuing is a POST).
    "issuance/<uuid:order_id>/issue/": Rule(BRANCH, answer=405),
    "issuance/<uuid:order_id>/reject/": Rule(BRANCH, answer=405),
    "issuance/<uuid:order_id>/policy.pdf": Rule(BRANCH),
    "issuance/<uuid:order_id>/documents/<int:document_id>/": Rule(BRANCH),
    "sales-record/": Rule(BRANCH),
    "control/": Rule(STAFF),
    # POST only (a GET answers 405 before any guard); an empty POST is refused, so it
    # redirects back with a message and changes nothing (asserted below).
    "control/<int:request_id>/decide/": Rule(DECIDE, answer=302, method="post"),
    "plans/": Rule(STAFF),
    "plans/<int:plan_id>/decide/": Rule(DECIDE, answer=302, method="post"),
    "referrals/": Rule(BRANCH),
    "referrals/<uuid:order_id>/": Rule(BRANCH),
    "settlement/": Rule(BRANCH),
    # POST only; an empty POST is refused (no day) and redirects back with a message.
    "settlement/build/": Rule(DECIDE, answer=302, method="post"),
    "settlement/exports/": Rule(DECIDE, answer=302, method="post"),
    "commissions/": Rule(BRANCH),
    "reports/": Rule(STAFF),
    "reports/sales/": Rule(STAFF),
    "reports/referrals/": Rule(STAFF),
    "reports/settlement/": Rule(STAFF),
    "audit/": Rule(BRANCH),
    "sms/": Rule(BRANCH),
    "sms/credit.xlsx": Rule(BRANCH),
    "sms/<int:agency_id>/": Rule(BRANCH),
    "sms/<int:agency_id>/usage.xlsx": Rule(BRANCH),
    # The guard answers first; a GET then is refused (recording credit is a POST).
    "sms/<int:agency_id>/credit/": Rule(DECIDE, answer=405),
    "agency-applications/": Rule(BRANCH),
    "agency-applications/<int:application_id>/": Rule(BRANCH),
    "agency-applications/<int:application_id>/licence/": Rule(BRANCH),
    # POST only; an empty POST is refused (no code, no note) and redirects back with a message.
    "agency-applications/<int:application_id>/approve/": Rule(DECIDE, answer=302, method="post"),
    "agency-applications/<int:application_id>/reject/": Rule(DECIDE, answer=302, method="post"),
    "agency-applications/<int:application_id>/correction/": Rule(DECIDE, answer=302, method="post"),
    "claims/": Rule(BRANCH),
    # Support tickets (decision 051): the queues and a ticket's page; acting is a POST that,
    # empty, is refused with a message (or, for close and assign, done) and redirects back.
    "support/": Rule(BRANCH),
    "support/<int:ticket_id>/": Rule(BRANCH),
    "support/<int:ticket_id>/files/<int:ticket_attachment_id>/": Rule(BRANCH),
    "support/<int:ticket_id>/answer/": Rule(BRANCH, answer=302, method="post"),
    "support/<int:ticket_id>/note/": Rule(BRANCH, answer=302, method="post"),
    "support/<int:ticket_id>/assign/": Rule(BRANCH, answer=302, method="post"),
    "support/<int:ticket_id>/close/": Rule(BRANCH, answer=302, method="post"),
    "cancellations/": Rule(BRANCH),
}

# Every other route under these (those naming an object) is held to its prefix's viewing roles.
PREFIXES: dict[str, tuple[str, ...]] = {
    "cancellations/": BRANCH,
    "settlement/": BRANCH,
    "commissions/": BRANCH,
    "reports/": STAFF,
    "audit/": BRANCH,
    "claims/": BRANCH,
}
# A route under these answering 404 to every person would be a page not built yet: none is.
NOT_BUILT_YET: frozenset[str] = frozenset()

# The sections of the ops home and nav, by path ("admin/" is Django's admin: admins only).
SECTION_PATHS = {
    "queue": "issuance/",
    "cancellations": "cancellations/",
    "control": "control/",
    "plans": "plans/",
    "referrals": "referrals/",
    "settlement": "settlement/",
    "commissions": "commissions/",
    "reports": "reports/",
    "record": "sales-record/",
    "audit": "audit/",
    "sms": "sms/",
    "applications": "agency-applications/",
    "claims": "claims/",
    "support": "support/",
    "admin": "admin/",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def ops_routes() -> list[str]:
    routes = set(_walk(get_resolver("config.urls_ops").url_patterns))
    return sorted(route for route in routes if not route.startswith(SKIP))


def prefix_of(route: str) -> str | None:
    return next((prefix for prefix in PREFIXES if route.startswith(prefix)), None)


def roles_of(route: str) -> tuple[str, ...]:
    if route == "admin/":
        return ("admin",)
    if route in ROUTES:
        return ROUTES[route].roles
    prefix = prefix_of(route)
    assert prefix is not None, route
    return PREFIXES[prefix]


@pytest.fixture
def objects(settings, tmp_path, agency, motor_line, motor_tariff, buyer):
    """One of everything an ops route names by id."""
    settings.MEDIA_ROOT = tmp_path
    order = paid_order(line=motor_line, tariff=motor_tariff, customer=buyer, document=True)
    Policy.objects.create(
        order=order,
        number="1405-01-000001",
        line=motor_line,
        jalali_year=1405,
        sequence=1,
        customer=buyer,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 1, 1),
        premium=order.premium,
        tariff_version=motor_tariff,
        verification_code="ACCESS2345",
        pdf=ContentFile(b"%PDF-1.4 policy", name="policy.pdf"),
    )
    control = control_request_file(
        agency=agency,
        kind=ControlRequest.Kind.SITE_DEACTIVATE,
        reason="بدهی معوق به بیمه‌گر",
        actor=create_user(insurer_role="branch_manager"),
    )
    starts = timezone.localdate(timezone=tehran()) + dt.timedelta(days=20)
    plan = sales_plan_submit(
        actor=create_user(insurer_role="marketing"),
        title="جشنواره",
        discount_percent=Decimal("10"),
        lines=[motor_line],
        starts_on=starts,
        ends_on=starts + dt.timedelta(days=5),
    )
    application = _agency_application()
    ticket = _answered_ticket(buyer)
    return {
        "application_id": str(application.pk),
        "ticket_id": str(ticket.pk),
        "ticket_attachment_id": str(ticket.attachments.get().pk),
        "order_id": str(order.public_id),
        "document_id": str(order.documents.get().pk),
        "request_id": str(control.pk),
        "plan_id": str(plan.pk),
        "agency_id": str(agency.pk),
    }


def _agency_application():
    """An agency application sent back for correction (not waiting: the home's counts below
    stay as they are), with its licence photo."""
    from tests.files import png_bytes

    application = AgencyApplication(
        applicant=create_user(),
        state=AgencyApplication.State.CORRECTION_REQUESTED,
        first_name="مریم",
        last_name="کاظمی",
        national_code="0499370899",
        mobile="09351112233",
        province="تهران",
        city="تهران",
        address="خیابان ولیعصر",
        latitude=Decimal("35.7"),
        longitude=Decimal("51.4"),
        terms_version="1405-01",
        terms_accepted_at=timezone.now(),
        licence_content_type="image/png",
    )
    application.licence_file.save("licence.png", ContentFile(png_bytes()), save=False)
    application.save()
    return application


def _answered_ticket(buyer):
    """A customer's support ticket with a file, already answered (nothing waits in the
    support section, so the home's waiting counts below stay as they were)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from support.services import Party, staff_answer, ticket_open
    from tests.files import png_bytes
    from tests.support.conftest import category_of

    ticket = ticket_open(
        party=Party.customer(buyer),
        category=category_of("payments"),
        subject="پرداخت ناموفق",
        body="مبلغ کسر شد.",
        files=[SimpleUploadedFile("receipt.png", png_bytes())],
    )
    staff_answer(actor=create_user(insurer_role="operator"), ticket=ticket, body="بررسی شد.")
    return ticket


@pytest.fixture
def people(agency, buyer) -> dict[str, Client]:
    """A logged-in client per person (anonymous: none)."""
    users = {role: create_user(insurer_role=role) for role in STAFF}
    users["owner"] = agency.memberships.get().user
    users["customer"] = buyer
    clients = {}
    for name in PEOPLE:
        client = Client(raise_request_exception=False)  # a crash is listed like any failure
        if name != "anonymous":
            client.force_login(users[name])
        clients[name] = client
    return clients


def fill(route: str, objects: dict[str, str]) -> str:
    unknown = {"int": "999999", "uuid": str(uuid.UUID(int=0)), "path": "x", "slug": "x"}

    def value(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        return objects.get(name) or unknown.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def ask(client: Client, method: str, path: str) -> int:
    response = getattr(client, method)(path, HTTP_HOST=OPS)
    if response.status_code == 302 and response.url.startswith("/accounts/login/"):
        return -1 if response.url == f"/accounts/login/?next={quote(path)}" else -2
    return response.status_code


LOGIN = -1  # a redirect to the login page that comes back here
NAMES = {LOGIN: "login redirect", -2: "login redirect elsewhere"}


def expected(route: str, rule: Rule, name: str, method: str) -> tuple[int, ...]:
    """What ``name`` may get from ``route``."""
    if name == "anonymous":
        return (LOGIN,)
    if name not in rule.roles:
        return (404,)
    if route in ROUTES:
        return (rule.answer,)
    # A page under construction: anything but a refusal, except that a route naming an object
    # this test does not make may answer 404, and acting (a POST) may be narrower than viewing
    # (only admins act everywhere).
    refusable = "<" in route or (method == "post" and name != "admin")
    return (200, 302, 400, *((404,) if refusable else ()))


def test_every_ops_route_answers_each_person_as_the_table_says(objects, people):
    failures: list[str] = []
    not_built: list[str] = []
    routes = ops_routes()
    for route in routes:
        prefix = prefix_of(route)
        if route not in ROUTES and prefix is None:
            failures.append(
                f"/{route} is not in ROUTES of tests/policies/test_ops_access.py: add it with "
                "the roles that may open it (and guard the page with insurer_view)."
            )
            continue
        rule = ROUTES.get(route) or Rule(PREFIXES[prefix or ""])
        path = fill(route, objects)
        method = rule.method
        if route not in ROUTES and people["admin"].get(path, HTTP_HOST=OPS).status_code == 405:
            method = "post"  # a POST-only page: only a POST reaches its guard
        answers = {name: ask(people[name], method, path) for name in PEOPLE}
        if prefix in NOT_BUILT_YET and set(answers.values()) == {404}:
            not_built.append(route)
            continue
        for name, status in answers.items():
            allowed = expected(route, rule, name, method)
            if status not in allowed:
                failures.append(
                    f"{method.upper()} /{route} as {name}: {NAMES.get(status, status)}, expected "
                    + " or ".join(str(NAMES.get(code, code)) for code in allowed)
                )
    assert not failures, "\n".join(failures)
    assert len(routes) - len(not_built) >= len(ROUTES)
    # The empty POSTs above were refused: nothing was decided.
    assert ControlRequest.objects.get().state == ControlRequest.State.PENDING
    assert SalesPlan.objects.get().state == SalesPlan.State.SUBMITTED
    assert AgencyApplication.objects.get().state == "correction_requested"


def test_the_table_names_only_routes_that_exist():
    assert set(ROUTES) - set(ops_routes()) == set()
    assert set(SECTION_PATHS.values()) - {"admin/"} <= set(ops_routes())


@pytest.mark.parametrize("role", STAFF)
def test_the_home_and_the_nav_show_each_role_exactly_the_sections_it_may_open(
    objects, people, role
):
    expected = {key: path for key, path in SECTION_PATHS.items() if role in roles_of(path)}
    home = people[role].get("/", HTTP_HOST=OPS)
    assert home.status_code == 200
    body = home.content.decode()
    cards = {key: path for path, key in re.findall(r'href="/([^"]*)" id="ops-card-(\w+)"', body)}
    assert cards == expected
    descriptions = re.findall(r'<div class="text-muted small">([^<]*)</div>', body)
    assert len(descriptions) == len(expected) and all(text.strip() for text in descriptions)
    # Every ops page carries the same nav (the plans page is open to every role).
    page = people[role].get("/plans/", HTTP_HOST=OPS).content.decode()
    nav = {key: path for path, key in re.findall(r'href="/([^"]*)" id="nav-ops-(\w+)"', page)}
    assert nav == {"home": "", **expected}


def test_marketing_lands_on_a_home_with_its_plans_and_an_operator_sees_what_waits(objects, people):
    marketing = people["marketing"].get("/", HTTP_HOST=OPS).content.decode()
    assert re.findall(r'id="ops-card-(\w+)"', marketing) == ["control", "plans", "reports"]
    operator = people["operator"].get("/", HTTP_HOST=OPS).content.decode()
    waiting = dict(
        re.findall(r'id="ops-card-(\w+)"(?:(?!ops-card-).)*?data-waiting="(\d+)"', operator, re.S)
    )
    # One paid main-site order in the queue, one pending request, one submitted plan.
    assert waiting == {"queue": "1", "control": "1", "plans": "1"}

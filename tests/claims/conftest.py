"""Claims' fixtures: a third-party motor policy of agency 685 (in force today), its customer,
the insurer's claims staff, and helpers that file and move claims."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from claims import services
from claims.models import Claim
from core.jalali import tehran
from policies.models import Line, Order, Policy, TariffVersion
from tests.factories import create_user
from tests.files import png_bytes
from tests.policies.fixtures_sales import make_order

_numbers = itertools.count(1)
MAIN = "localhost"
OPS = "ops.localhost"
PANEL = "panel.localhost"


def today() -> dt.date:
    return timezone.localdate(timezone=tehran())


def at(days_ago: int = 1, hour: int = 10) -> dt.datetime:
    day = today() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=tehran())


def checklist_seed() -> None:
    """The checklists migration 0002 seeds (a transactional test's flush empties the table)."""
    import importlib

    from django.apps import apps

    from claims.models import ChecklistItem

    if not ChecklistItem.objects.exists():
        importlib.import_module("claims.migrations.0002_seed_checklists").seed(apps, None)


@pytest.fixture(autouse=True)
def _checklists(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        checklist_seed()


@pytest.fixture
def motor(db) -> tuple[Line, TariffVersion]:
    line, _ = Line.objects.get_or_create(
        code="third_party", defaults={"number_code": 11, "name": "بیمه شخص ثالث"}
    )
    tariff = TariffVersion.objects.create(line=line, number=1, status=TariffVersion.Status.ACTIVE)
    return line, tariff


def sell(motor, *, customer, agency=None, start_days_ago: int = 100, days: int = 365) -> Policy:
    """A policy in the ledger: sold on ``agency``'s site (or the main site)."""
    line, tariff = motor
    order = make_order(
        line=line, tariff=tariff, customer=customer, agency=agency, state=Order.State.ISSUED
    )
    number = next(_numbers)
    start = today() - dt.timedelta(days=start_days_ago)
    return Policy.objects.create(
        order=order,
        number=f"1405-11-{number:06d}",
        line=line,
        jalali_year=1405,
        sequence=number,
        agency=agency,
        customer=customer,
        start_date=start,
        end_date=start + dt.timedelta(days=days),
        premium=Decimal("12345000"),
        tariff_version=tariff,
        verification_code=f"CL{number:08d}",
    )


@pytest.fixture
def customer(db) -> User:
    return create_user(first_name="علی", last_name="رضایی", national_code="0499370899")


@pytest.fixture
def policy(motor, customer, agency) -> Policy:
    return sell(motor, customer=customer, agency=agency)


@pytest.fixture
def operator(db) -> User:
    return create_user(first_name="سمیرا", last_name="کارشناس", insurer_role="operator")


@pytest.fixture
def assessor(db) -> User:
    return create_user(first_name="رضا", last_name="ارزیاب", insurer_role="operator")


def file_claim(policy: Policy, *, days_ago: int = 1, hour: int = 10) -> Claim:
    return services.claim_file(
        policy=policy,
        customer=policy.customer,
        occurred_at=at(days_ago, hour),
        province="تهران",
        city="تهران",
        place="خیابان ولیعصر",
        description="تصادف از پشت",
    )


def upload(name: str = "photo.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else png_bytes(), "image/png")


def add_required_documents(claim: Claim) -> None:
    for item in services.checklist_for(line_code=claim.line.code):
        if item.required:
            services.claim_document_add(
                claim=claim, actor=claim.customer, kind=item.code, uploaded=upload()
            )


def move_to(claim: Claim, state: str, *, actor: User, assessor: User) -> Claim:
    """Walk the claim along the happy path until it reaches ``state``."""
    path = [
        (Claim.State.DOCUMENTS_COMPLETE, lambda c: _complete(c, actor)),
        (
            Claim.State.ASSESSOR_ASSIGNED,
            lambda c: services.claim_assessor_assign(claim=c, actor=actor, assessor=assessor),
        ),
        (
            Claim.State.ASSESSED,
            lambda c: services.claim_assess(
                claim=c,
                actor=actor,
                damage=Decimal("80000000"),
                sum_insured=Decimal("100000000"),
                deductible=Decimal("5000000"),
                ratio_percent=Decimal("90"),
            ),
        ),
        (Claim.State.APPROVED, lambda c: services.claim_approve(claim=c, actor=actor)),
        (
            Claim.State.PAYMENT_ORDERED,
            lambda c: services.claim_payment_order(claim=c, actor=actor),
        ),
        (
            Claim.State.PAID,
            lambda c: services.claim_mark_paid(claim=c, actor=actor, reference="PAY-1"),
        ),
    ]
    order = [Claim.State.FILED] + [target for target, _step in path]
    for target, step in path[order.index(claim.state) :]:
        if claim.state == state:
            break
        claim = step(claim)
        assert claim.state == target
    return Claim.objects.get(pk=claim.pk)


def _complete(claim: Claim, actor: User) -> Claim:
    if services.documents_missing(claim=claim):
        add_required_documents(claim)
    return services.claim_documents_complete(claim=claim, actor=actor)

"""Fixtures of agency sign-up: two lines, an applicant, an operator, and applications made
through the services in any state."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onboarding import services
from onboarding.models import AgencyApplication
from policies.models import Line
from tests.factories import create_user
from tests.files import png_bytes

State = AgencyApplication.State
NATIONAL_CODES = ["0499370899", "0013542419", "1234567891", "0067749828", "0084575948"]


@pytest.fixture
def lines(db) -> list[Line]:
    return [
        Line.objects.create(code="third_party", number_code=1, name="شخص ثالث", position=1),
        Line.objects.create(code="fire", number_code=2, name="آتش‌سوزی", position=2),
        Line.objects.create(code="travel", number_code=3, name="مسافرتی", position=3),
    ]


@pytest.fixture
def applicant(db):
    return create_user(mobile="09351112233")


@pytest.fixture
def operator(db):
    return create_user(insurer_role="operator")


def stage_one(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "first_name": "مريم",  # Arabic yeh: stored with the Persian one
        "last_name": "كاظمی",
        "national_code": "۰۴۹۹۳۷۰۸۹۹",
        "agency_name": "",
        "province": "تهران",
        "city": "تهران",
        "address": "خیابان ولیعصر، پلاک ۱۲",
        "latitude": "35.700000",
        "longitude": "51.400000",
        "accept_terms": True,
    }
    values.update(overrides)
    return values


def licence_upload(name: str = "licence.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes() if content is None else content, "image/png")


def make_application(
    applicant: Any,
    *,
    state: str = State.SUBMITTED,
    operator: Any = None,
    licence_number: str = "LIC12345",
    **overrides: Any,
) -> AgencyApplication:
    """An application through the services, brought to ``state``."""
    application = services.application_create(applicant=applicant, **stage_one(**overrides))
    if state == State.DRAFT:
        return application
    services.application_update(
        application=application,
        actor=applicant,
        kind="agent",
        line_codes=["third_party", "fire"],
        licence_number=licence_number,
    )
    services.application_licence_upload(
        application=application, actor=applicant, uploaded=licence_upload()
    )
    application = services.application_submit(application=application, actor=applicant)
    if state == State.SUBMITTED:
        return application
    operator = operator or create_user(insurer_role="operator")
    if state in (State.CORRECTION_REQUESTED, State.RESUBMITTED):
        application = services.application_request_correction(
            application=application, actor=operator, note="عکس پروانه خوانا نیست"
        )
        if state == State.RESUBMITTED:
            application = services.application_submit(application=application, actor=applicant)
        return application
    if state == State.REJECTED:
        return services.application_reject(
            application=application, actor=operator, reason="پروانه معتبر نیست"
        )
    raise ValueError(state)

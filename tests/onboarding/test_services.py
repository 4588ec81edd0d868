"""Agency sign-up's services: the form and its refusals, duplicates, the licence upload, every
allowed and refused move, and what approval provisions (decision 046)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import AgencyMembership
from core.models import AuditLog, SmsMessage
from core.storage import private_storage
from onboarding import services
from onboarding.models import AgencyApplication
from onboarding.terms import TERMS_VERSION
from policies.models import AgencyLine
from tenants.models import Agency, Domain
from tests.factories import create_agency, create_user
from tests.files import HTML_TAIL, pdf_bytes
from tests.onboarding.conftest import (
    NATIONAL_CODES,
    State,
    licence_upload,
    make_application,
    stage_one,
)

pytestmark = pytest.mark.django_db


def _refused(call, *, field: str | None = None, kind=ValidationError) -> ValidationError:
    with pytest.raises(kind) as caught:
        call()
    if field is not None:
        assert field in caught.value.message_dict, caught.value
    return caught.value


# ---- stage 1 --------------------------------------------------------------------------


def test_stage_one_stores_normalised_text_the_terms_version_and_the_verified_mobile(
    applicant, lines
):
    application = services.application_create(
        applicant=applicant,
        **stage_one(first_name="  مريم\u200f ", address="خيابان  ولیعصر، پلاك ۱۲"),
    )
    application.refresh_from_db()
    assert application.state == State.DRAFT
    assert application.first_name == "مریم"
    assert application.last_name == "کاظمی"
    assert application.address == "خیابان ولیعصر، پلاک ۱۲"
    assert application.national_code == "0499370899"
    assert application.mobile == applicant.mobile
    assert application.terms_version == TERMS_VERSION
    assert application.terms_accepted_at is not None
    assert application.latitude == Decimal("35.700000")
    audit = AuditLog.objects.get(action="agency_application.created")
    assert audit.actor == applicant and audit.changes["terms_version"] == [None, TERMS_VERSION]


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"national_code": "0499370898"}, "national_code"),  # wrong check digit
        ({"accept_terms": False}, "accept_terms"),
        ({"first_name": " \u200c "}, "first_name"),
        ({"latitude": "48.8", "longitude": "2.3"}, "latitude"),  # Paris, not Iran
        ({"latitude": None}, "latitude"),
        ({"city": ""}, "city"),
    ],
)
def test_stage_one_refuses_bad_input_in_persian_and_writes_nothing(
    applicant, lines, overrides, field
):
    error = _refused(
        lambda: services.application_create(applicant=applicant, **stage_one(**overrides)),
        field=field,
    )
    assert any("\u0600" <= ch <= "\u06ff" for ch in " ".join(error.message_dict[field]))
    assert AgencyApplication.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_one_open_application_per_account(applicant, lines):
    make_application(applicant, state=State.DRAFT)
    _refused(
        lambda: services.application_create(
            applicant=applicant, **stage_one(national_code=NATIONAL_CODES[1])
        ),
        kind=services.ApplicationStateError,
    )
    assert AgencyApplication.objects.count() == 1


def test_a_national_code_verified_on_the_account_must_match(lines):
    from django.utils import timezone

    person = create_user(national_code=NATIONAL_CODES[2], identity_verified_at=timezone.now())
    _refused(
        lambda: services.application_create(applicant=person, **stage_one()),
        field="national_code",
    )


# ---- duplicates ----------------------------------------------------------------------


@pytest.mark.parametrize("state", [State.SUBMITTED, State.CORRECTION_REQUESTED, State.RESUBMITTED])
def test_a_national_code_under_review_is_refused_to_another_account(lines, state):
    make_application(create_user(), state=state)
    error = _refused(
        lambda: services.application_create(applicant=create_user(), **stage_one()),
        field="national_code",
    )
    assert "کد ملی" in error.message_dict["national_code"][0]
    assert AgencyApplication.objects.count() == 1


def test_a_national_code_of_an_approved_application_is_refused(lines, operator):
    approved = make_application(create_user(), state=State.SUBMITTED)
    services.application_approve(application=approved, actor=operator, code=700)
    _refused(
        lambda: services.application_create(applicant=create_user(), **stage_one()),
        field="national_code",
    )


def test_drafts_and_rejected_applications_hold_nothing(lines):
    make_application(create_user(), state=State.DRAFT)
    make_application(
        create_user(), state=State.REJECTED, national_code=NATIONAL_CODES[1], licence_number="L-99"
    )
    again = services.application_create(
        applicant=create_user(), **stage_one(national_code=NATIONAL_CODES[1])
    )
    assert again.state == State.DRAFT


def test_a_licence_held_by_an_application_or_an_agency_is_refused(lines):
    make_application(create_user(), licence_number="LIC-777")
    second = make_application(create_user(), state=State.DRAFT, national_code=NATIONAL_CODES[1])
    _refused(
        lambda: services.application_update(
            application=second, actor=second.applicant, licence_number=" lic ۷۷۷ "
        ),
        field="licence_number",
    )
    create_agency(code=901, licence_number="PRO555")
    _refused(
        lambda: services.application_update(
            application=second, actor=second.applicant, licence_number="pro555"
        ),
        field="licence_number",
    )
    second.refresh_from_db()
    assert second.licence_number == ""
    services.application_update(
        application=second, actor=second.applicant, licence_number="LIC/778"
    )
    second.refresh_from_db()
    assert second.licence_number == "LIC778"


def test_two_drafts_with_one_national_code_cannot_both_be_submitted(lines):
    """The check at submission (and the partial unique index behind it) decides."""
    first = make_application(create_user(), state=State.DRAFT)
    second = make_application(create_user(), state=State.DRAFT)
    for application in (first, second):
        services.application_update(
            application=application,
            actor=application.applicant,
            kind="broker",
            line_codes=["fire"],
            licence_number=f"L{application.pk}00",
        )
        services.application_licence_upload(
            application=application, actor=application.applicant, uploaded=licence_upload()
        )
    services.application_submit(application=first, actor=first.applicant)
    _refused(
        lambda: services.application_submit(application=second, actor=second.applicant),
        field="national_code",
    )
    second.refresh_from_db()
    assert second.state == State.DRAFT


def test_the_unique_index_refuses_a_duplicate_the_checks_missed(lines, monkeypatch):
    second = make_application(create_user(), state=State.DRAFT)
    first = make_application(create_user())
    services.application_update(
        application=second,
        actor=second.applicant,
        kind="agent",
        line_codes=["fire"],
        licence_number="OTHER1",
    )
    services.application_licence_upload(
        application=second, actor=second.applicant, uploaded=licence_upload()
    )
    monkeypatch.setattr(services, "application_duplicates", lambda **kwargs: {})
    _refused(
        lambda: services.application_submit(application=second, actor=second.applicant),
        field="national_code",
    )
    second.refresh_from_db()
    assert (first.state, second.state) == (State.SUBMITTED, State.DRAFT)


# ---- stage 2 and the licence photo ----------------------------------------------------


def test_stage_two_refuses_unknown_lines_and_kinds(applicant, lines):
    application = make_application(applicant, state=State.DRAFT)
    _refused(
        lambda: services.application_update(
            application=application, actor=applicant, line_codes=["no_such_line"]
        ),
        field="line_codes",
    )
    _refused(
        lambda: services.application_update(application=application, actor=applicant, kind="x"),
        field="kind",
    )


def test_the_licence_photo_is_reencoded_into_private_storage(
    applicant, lines, django_capture_on_commit_callbacks
):
    application = make_application(applicant, state=State.DRAFT)
    services.application_licence_upload(
        application=application,
        actor=applicant,
        uploaded=licence_upload(content=__import__("tests.files").files.png_bytes() + HTML_TAIL),
    )
    application.refresh_from_db()
    assert application.licence_content_type == "image/png"
    name = application.licence_file.name
    assert name.startswith(f"onboarding/{application.public_id}/") and "licence" not in name
    assert application.licence_file.storage.__class__ is private_storage().__class__
    with application.licence_file.open("rb") as handle:
        assert HTML_TAIL not in handle.read()
    # A new photo replaces the earlier one, whose file goes.
    first = application.licence_file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.application_licence_upload(
            application=application,
            actor=applicant,
            uploaded=licence_upload("scan.pdf", pdf_bytes()),
        )
    application.refresh_from_db()
    assert application.licence_content_type == "application/pdf"
    assert not private_storage().exists(first)


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("licence.png", b"", "empty"),
        ("licence.png", b"<html><script>alert(1)</script></html>", "file_type"),
        ("licence.pdf", __import__("tests.files").files.png_bytes(), "file_type"),
        ("licence.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024), "too_large"),
        ("licence.png", b"\x89PNG\r\n\x1a\nbroken", "image_unreadable"),
    ],
)
def test_a_bad_licence_file_is_refused_and_nothing_is_kept(applicant, lines, name, content, code):
    application = make_application(applicant, state=State.DRAFT)
    with pytest.raises(ValidationError) as caught:
        services.application_licence_upload(
            application=application, actor=applicant, uploaded=licence_upload(name, content)
        )
    assert caught.value.error_list[0].code == code
    application.refresh_from_db()
    assert not application.licence_file


def test_submitting_needs_stage_two(applicant, lines):
    application = make_application(applicant, state=State.DRAFT)
    error = _refused(lambda: services.application_submit(application=application, actor=applicant))
    assert set(error.message_dict) == {"kind", "line_codes", "licence_number", "licence_file"}
    application.refresh_from_db()
    assert application.state == State.DRAFT


# ---- the state machine ---------------------------------------------------------------

ACTIONS = ("submit", "correction", "approve", "reject", "edit")
# The states from which each action is allowed; every other pairing is refused.
ALLOWED = {
    "submit": {State.DRAFT, State.CORRECTION_REQUESTED},
    "correction": {State.SUBMITTED, State.RESUBMITTED},
    "approve": {State.SUBMITTED, State.RESUBMITTED},
    "reject": {State.SUBMITTED, State.RESUBMITTED},
    "edit": {State.DRAFT, State.CORRECTION_REQUESTED},
}
STATES = [
    State.DRAFT,
    State.SUBMITTED,
    State.CORRECTION_REQUESTED,
    State.RESUBMITTED,
    State.REJECTED,
    "approved",
]


def _application_in(state: str, applicant, operator):
    if state == "approved":
        application = make_application(applicant, operator=operator)
        return services.application_approve(application=application, actor=operator, code=777)
    return make_application(applicant, state=state, operator=operator)


def _act(action: str, application, applicant, operator):
    if action == "submit":
        return services.application_submit(application=application, actor=applicant)
    if action == "correction":
        return services.application_request_correction(
            application=application, actor=operator, note="نشانی کامل نیست"
        )
    if action == "approve":
        return services.application_approve(application=application, actor=operator, code=778)
    if action == "reject":
        return services.application_reject(
            application=application, actor=operator, reason="پروانه باطل شده است"
        )
    return services.application_update(application=application, actor=applicant, city="کرج")


EXPECTED_STATE = {
    ("submit", State.DRAFT): State.SUBMITTED,
    ("submit", State.CORRECTION_REQUESTED): State.RESUBMITTED,
    ("correction", State.SUBMITTED): State.CORRECTION_REQUESTED,
    ("correction", State.RESUBMITTED): State.CORRECTION_REQUESTED,
    ("approve", State.SUBMITTED): State.APPROVED,
    ("approve", State.RESUBMITTED): State.APPROVED,
    ("reject", State.SUBMITTED): State.REJECTED,
    ("reject", State.RESUBMITTED): State.REJECTED,
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_move_is_allowed_or_refused_as_the_table_says(
    applicant, operator, lines, state, action
):
    application = _application_in(state, applicant, operator)
    if state == State.DRAFT and action == "submit":
        services.application_update(
            application=application,
            actor=applicant,
            kind="agent",
            line_codes=["fire"],
            licence_number="LIC12345",
        )
        services.application_licence_upload(
            application=application, actor=applicant, uploaded=licence_upload()
        )
    audits = AuditLog.objects.count()
    before = AgencyApplication.objects.values().get(pk=application.pk)
    agencies = Agency.objects.count()
    if state in ALLOWED[action]:
        _act(action, application, applicant, operator)
        application.refresh_from_db()
        if action == "edit":
            assert (application.state, application.city) == (state, "کرج")
        else:
            assert application.state == EXPECTED_STATE[(action, state)]
            audit = (
                AuditLog.objects.filter(action=f"agency_application.{application.state}")
                .order_by("pk")
                .last()
            )
            assert audit is not None
            assert audit.changes["state"] == [state, application.state]
            assert audit.actor == (applicant if action == "submit" else operator)
    else:
        with pytest.raises(services.ApplicationStateError):
            _act(action, application, applicant, operator)
        assert AgencyApplication.objects.values().get(pk=application.pk) == before
        assert AuditLog.objects.count() == audits
        assert Agency.objects.count() == agencies


def test_only_operators_decide_and_only_the_applicant_acts_on_their_application(applicant, lines):
    application = make_application(applicant)
    for person in (create_user(insurer_role="branch_manager"), applicant, create_user()):
        _refused(
            lambda person=person: services.application_reject(
                application=application, actor=person, reason="نامعتبر است"
            ),
            kind=PermissionDenied,
        )
    draft = make_application(create_user(), state=State.DRAFT, national_code=NATIONAL_CODES[1])
    _refused(
        lambda: services.application_update(application=draft, actor=applicant, city="کرج"),
        kind=PermissionDenied,
    )
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_a_rejection_and_a_correction_need_their_note(applicant, operator, lines):
    application = make_application(applicant)
    _refused(
        lambda: services.application_reject(application=application, actor=operator, reason=" "),
        field="reason",
    )
    _refused(
        lambda: services.application_request_correction(
            application=application, actor=operator, note="بد"
        ),
        field="note",
    )
    application.refresh_from_db()
    assert application.state == State.SUBMITTED and application.note == ""


def test_correct_and_resubmit_round_trip_keeps_the_note_for_the_applicant(
    applicant, operator, lines
):
    application = make_application(applicant, state=State.CORRECTION_REQUESTED, operator=operator)
    assert application.note == "عکس پروانه خوانا نیست"
    services.application_licence_upload(
        application=application, actor=applicant, uploaded=licence_upload()
    )
    services.application_submit(application=application, actor=applicant)
    application.refresh_from_db()
    assert application.state == State.RESUBMITTED


# ---- approval ------------------------------------------------------------------------


def test_approval_provisions_a_working_agency_owned_by_the_applicant(
    applicant, operator, lines, client, django_capture_on_commit_callbacks
):
    application = make_application(applicant, agency_name="بیمه مریم", operator=operator)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, actor=operator, code=812)
    application.refresh_from_db()
    agency = application.agency
    assert application.state == State.APPROVED and application.decided_by == operator
    assert (agency.code, agency.name, agency.kind, agency.status) == (
        812,
        "بیمه مریم",
        "agent",
        Agency.Status.ACTIVE,
    )
    assert (agency.licence_number, agency.city, agency.latitude) == (
        "LIC12345",
        "تهران",
        Decimal("35.700000"),
    )
    assert Domain.objects.get(tenant=agency).domain == "ar812.localhost"
    membership = AgencyMembership.objects.get(agency=agency)
    assert (membership.user, membership.role) == (applicant, AgencyMembership.Role.OWNER)
    # The lines not asked for are off on the site (the agency may offer them later).
    assert dict(AgencyLine.objects.filter(agency=agency).values_list("line__code", "offered")) == {
        "travel": False
    }
    # The site answers, and the owner opens the panel.
    assert client.get("/", HTTP_HOST="ar812.localhost").status_code == 200
    owner = Client()
    owner.force_login(applicant)
    assert owner.get("/", HTTP_HOST="panel.localhost").status_code == 200
    # The owner was texted once.
    message = SmsMessage.objects.get(kind=services.SMS_KIND)
    assert message.to == applicant.mobile and message.pk == application.owner_sms_id
    assert "812" in message.body and "ar812.localhost" in message.body


def test_a_taken_code_changes_nothing(applicant, operator, lines):
    create_agency(code=813)
    application = make_application(applicant)
    audits = AuditLog.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.application_approve(application=application, actor=operator, code=813)
    assert "code" in caught.value.message_dict
    application.refresh_from_db()
    assert (application.state, application.agency) == (State.SUBMITTED, None)
    assert Agency.objects.count() == 1
    assert SmsMessage.objects.filter(kind=services.SMS_KIND).count() == 0
    assert AuditLog.objects.count() == audits


def test_rejected_and_pending_applicants_have_no_site(applicant, operator, lines, client):
    make_application(applicant, state=State.REJECTED, operator=operator)
    make_application(create_user(), national_code=NATIONAL_CODES[1], licence_number="ZZ999")
    assert Agency.objects.count() == 0
    code = services.agency_code_suggested()
    assert client.get("/", HTTP_HOST=f"ar{code}.localhost").status_code == 404


def test_the_owners_sms_is_sent_once_however_often_the_task_runs(
    applicant, operator, lines, settings, django_capture_on_commit_callbacks
):
    from core.tasks import sms_send
    from tests.core.test_sms import SandboxBackend

    settings.SMS_BACKEND = "tests.core.test_sms.SandboxBackend"
    SandboxBackend.calls = []
    SandboxBackend.transient_failures = 0
    SandboxBackend.permanent = False
    application = make_application(applicant, operator=operator)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, actor=operator, code=814)
    message = SmsMessage.objects.get(kind=services.SMS_KIND)
    sms_send.delay(message_id=message.pk)  # the task again (a redelivery)
    sms_send.delay(message_id=message.pk)
    assert [call["to"] for call in SandboxBackend.calls] == [applicant.mobile]
    # Approving again is refused and queues nothing more.
    with pytest.raises(services.ApplicationStateError):
        services.application_approve(application=application, actor=operator, code=815)
    assert SmsMessage.objects.filter(kind=services.SMS_KIND).count() == 1

"""Cases, activities, attachments, complaints, claims and gifts (S-6.6): state checks inside
the services, assignees from the agency only, every write audited with its actor, refused
writes change nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.errors import Conflict
from core.models import AuditLog
from crm.models import Activity, Case, ClaimRecord, Complaint, CustomerRank, Gift
from crm.services import care, cases
from crm.services.customers import customer_create
from crm.tenancy import WrongSchemaError
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.crm.conftest import crm_state, inside
from tests.factories import create_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(agency, owner):
    with inside(agency):
        return customer_create(
            agency=agency, actor=owner, first_name="مریم", last_name="کاظمی", phones=["09121110000"]
        )


@pytest.fixture
def case(agency, owner, customer, staff_member):
    with inside(agency):
        return cases.case_create(
            agency=agency,
            actor=owner,
            kind="sale",
            title="فروش بدنه",
            customer=customer,
            assignee_user_id=staff_member.user_id,
            due_at=timezone.now() + dt.timedelta(days=2),
        )


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("کارت.png", buffer.getvalue(), content_type="image/png")


def test_a_case_is_created_for_a_member_and_audited(agency, owner, case, staff_member):
    assert case.state == Case.State.OPEN
    assert case.assignee_user_id == staff_member.user_id
    assert case.created_by_user_id == owner.pk
    log = AuditLog.objects.get(action="case.created")
    assert log.actor_id == owner.pk and log.agency_id == agency.pk


def test_the_assignee_must_be_a_member_of_this_agency(agency, owner, other_agency, customer):
    stranger = other_agency.memberships.get().user
    with inside(agency):
        before = crm_state()
        with pytest.raises(ValidationError) as error:
            cases.case_create(
                agency=agency,
                actor=owner,
                kind="meeting",
                title="جلسه",
                assignee_user_id=stranger.pk,
            )
        assert error.value.message_dict["assignee"] == [
            "یکی از اعضای همین نمایندگی را انتخاب کنید."
        ]
        assert crm_state() == before


def test_a_closed_case_takes_no_activity_and_no_file(agency, owner, case):
    with inside(agency):
        with pytest.raises(ValidationError) as error:
            cases.case_close(agency=agency, actor=owner, case=case)
        assert "result" in error.value.message_dict
        cases.case_close(agency=agency, actor=owner, case=case, result="فروخته شد")
        before = crm_state()
        with pytest.raises(Conflict):
            cases.activity_create(
                agency=agency, actor=owner, case=case, kind="call", subject="تماس دوباره"
            )
        with pytest.raises(Conflict):
            cases.attachment_add(agency=agency, actor=owner, case=case, uploaded=_png())
        with pytest.raises(Conflict):
            cases.case_assign(agency=agency, actor=owner, case=case, assignee_user_id=owner.pk)
        assert crm_state() == before
        reopened = cases.case_reopen(agency=agency, actor=owner, case=case)
        assert reopened.state == Case.State.OPEN and reopened.closed_at is None
        activity = cases.activity_create(
            agency=agency, actor=owner, case=case, kind="call", subject="تماس دوباره"
        )
    assert activity.assignee_user_id == case.assignee_user_id


def test_closing_twice_changes_nothing(agency, owner, case):
    with inside(agency):
        first = cases.case_close(agency=agency, actor=owner, case=case, state="cancelled")
        second = cases.case_close(agency=agency, actor=owner, case=case, state="cancelled")
    assert first.closed_at == second.closed_at
    assert AuditLog.objects.filter(action="case.closed").count() == 1


def test_assign_and_update(agency, owner, case, staff_member):
    with inside(agency):
        cases.case_assign(agency=agency, actor=owner, case=case, assignee_user_id=owner.pk)
        updated = cases.case_update(
            agency=agency, actor=owner, case=case, title="  فروش   بدنه ي  ", priority=4
        )
    assert updated.assignee_user_id == owner.pk
    assert updated.title == "فروش بدنه ی"
    assert updated.priority == 4
    log = AuditLog.objects.get(action="case.assigned")
    assert log.changes["assignee"] == [staff_member.user_id, owner.pk]


def test_activity_done_and_reschedule(agency, owner, case, staff_member):
    due = timezone.now() + dt.timedelta(hours=3)
    with inside(agency):
        with pytest.raises(ValidationError):
            cases.activity_create(
                agency=agency,
                actor=owner,
                case=case,
                kind="call",
                subject="تماس",
                due_at=due,
                remind_at=due + dt.timedelta(hours=1),
            )
        activity = cases.activity_create(
            agency=agency,
            actor=owner,
            case=case,
            kind="call",
            subject="تماس",
            due_at=due,
            remind_at=due - dt.timedelta(hours=1),
        )
        Activity.objects.filter(pk=activity.pk).update(reminder_sent_at=timezone.now())
        moved = cases.activity_reschedule(
            agency=agency,
            actor=owner,
            activity=activity,
            due_at=due + dt.timedelta(days=1),
            remind_at=due + dt.timedelta(hours=20),
        )
        assert moved.reminder_sent_at is None  # a new time is a new reminder
        done = cases.activity_done(agency=agency, actor=staff_member.user, activity=activity)
        assert done.done_at is not None
        with pytest.raises(Conflict):
            cases.activity_reschedule(
                agency=agency, actor=owner, activity=activity, due_at=None, remind_at=None
            )
    assert AuditLog.objects.get(action="activity.done").actor_id == staff_member.user_id


def test_an_attachment_is_checked_and_kept_in_private_storage(agency, owner, case):
    with inside(agency):
        attachment = cases.attachment_add(agency=agency, actor=owner, case=case, uploaded=_png())
        assert attachment.customer_id == case.customer_id
        assert attachment.content_type == "image/png"
        assert attachment.file.name.startswith(f"crm/{agency.schema_name}/")
        assert attachment.original_name == "کارت.png"
        assert attachment.file.storage.exists(attachment.file.name)
        before = crm_state()
        html = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>", "image/png")
        with pytest.raises(ValidationError):
            cases.attachment_add(agency=agency, actor=owner, case=case, uploaded=html)
        assert crm_state() == before


def test_services_refuse_the_wrong_schema_and_a_suspended_agency(agency, owner, other_agency):
    with inside(other_agency), pytest.raises(WrongSchemaError):
        cases.case_create(agency=agency, actor=owner, kind="sale", title="x")
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    with inside(agency):
        with pytest.raises(AgencyNotActive):
            cases.case_create(agency=agency, actor=owner, kind="sale", title="x")
        assert not Case.objects.exists()


def test_complaint_referred_resolved_and_closed(agency, owner, customer, staff_member):
    with inside(agency):
        with pytest.raises(ValidationError) as error:
            care.complaint_create(
                agency=agency, actor=owner, customer=customer, subject="", text=""
            )
        assert set(error.value.message_dict) == {"subject", "text"}
        complaint = care.complaint_create(
            agency=agency, actor=owner, customer=customer, subject="تاخیر", text="دیر رسید"
        )
        with pytest.raises(ValidationError):
            care.complaint_refer(
                agency=agency,
                actor=owner,
                complaint=complaint,
                referred_to_user_id=create_user().pk,
            )
        referred = care.complaint_refer(
            agency=agency,
            actor=owner,
            complaint=complaint,
            referred_to_user_id=staff_member.user_id,
        )
        assert referred.state == Complaint.State.REFERRED and referred.referred_at
        care.complaint_record_result(
            agency=agency, actor=staff_member.user, complaint=complaint, result="پیگیری شد"
        )
        resolved = care.complaint_resolve(
            agency=agency, actor=staff_member.user, complaint=complaint, result="بیمه‌نامه رسید"
        )
        assert resolved.state == Complaint.State.RESOLVED and resolved.resolved_at
        with pytest.raises(Conflict):
            care.complaint_refer(
                agency=agency, actor=owner, complaint=complaint, referred_to_user_id=owner.pk
            )
    assert AuditLog.objects.filter(action__startswith="complaint.").count() == 4


def test_a_paid_claim_needs_amount_and_date(agency, owner, customer):
    with inside(agency):
        with pytest.raises(ValidationError) as error:
            care.claim_create(
                agency=agency,
                actor=owner,
                customer=customer,
                filed_at=dt.date(2026, 10, 1),
                state="paid",
            )
        assert set(error.value.message_dict) == {"paid_amount", "paid_at"}
        claim = care.claim_create(
            agency=agency,
            actor=owner,
            customer=customer,
            filed_at=dt.date(2026, 10, 1),
            claimed_amount="50000000",
        )
        with pytest.raises(ValidationError):
            care.claim_update(agency=agency, actor=owner, claim=claim, paid_amount="-1")
        before = crm_state()
        with pytest.raises(ValidationError):
            care.claim_update(
                agency=agency, actor=owner, claim=claim, paid_at=dt.date(2026, 9, 1), paid_amount=5
            )
        assert crm_state() == before
        paid = care.claim_update(
            agency=agency,
            actor=owner,
            claim=claim,
            state="paid",
            paid_amount="42000000",
            paid_at=dt.date(2026, 11, 1),
        )
        paid.refresh_from_db()
    assert paid.paid_amount == Decimal("42000000") and paid.state == ClaimRecord.State.PAID
    log = AuditLog.objects.get(action="claim.updated")
    assert log.changes["state"] == ["filed", "paid"]


def test_gifts_planned_by_band_given_and_answered(agency, owner, customer):
    with inside(agency):
        other = customer_create(agency=agency, actor=owner, first_name="نادر", last_name="رحیمی")
        CustomerRank.objects.create(
            customer=customer, score=90, band="A", computed_at=timezone.now()
        )
        CustomerRank.objects.create(customer=other, score=10, band="D", computed_at=timezone.now())
        assert care.gift_plan_for_band(agency=agency, actor=owner, band="A", kind="سالنامه") == 1
        assert care.gift_plan_for_band(agency=agency, actor=owner, band="A", kind="سالنامه") == 0
        gift = Gift.objects.get(customer=customer)
        assert gift.planned_band == "A"
        with pytest.raises(Conflict):
            care.gift_record_response(agency=agency, actor=owner, gift=gift, response="positive")
        care.gift_give(agency=agency, actor=owner, gift=gift, given_at=dt.date(2026, 12, 1))
        answered = care.gift_record_response(
            agency=agency, actor=owner, gift=gift, response="positive", note="خوشحال شد"
        )
        assert answered.response == "positive"
        with pytest.raises(Conflict):
            care.gift_cancel(agency=agency, actor=owner, gift=gift)
        single = care.gift_plan(agency=agency, actor=owner, customer=other, kind="تقویم")
    assert single.planned_band == "D"

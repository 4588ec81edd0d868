"""Follow-up calls after issuance (S-7.5, decision 044): the day's items, results counted by
Tehran day, the case sent back to the agency with one SMS, and corrected details called
again."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AgencyMembership
from core.models import AuditLog, SmsMessage
from crm.models import BookPolicy, Customer, CustomerPhone
from renewals.models import CallResult, FollowupReturn, RenewalSettings, Result, WorkItem
from renewals.services import clock
from renewals.services.day import day_steps
from renewals.services.followup import (
    SMS_KIND,
    FollowupRefused,
    followup_details_corrected,
    followup_result_record,
    followup_return_sms,
    followups_build,
)
from renewals.tasks_followup import renewals_followup_return_sms
from tenants.models import Agency
from tenants.services import AgencyNotActive
from tests.crm.conftest import inside, owner_of
from tests.renewals.conftest import add_staff

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 6)  # a Sunday
_ids = itertools.count(900_000)


def tehran_at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return clock.at(day, dt.time(hour, minute))


@pytest.fixture
def at(monkeypatch):
    """``at(moment)``: the clock stands at ``moment`` from then on."""

    def move(moment: dt.datetime) -> dt.datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    move(tehran_at(DAY, 10))
    return move


def sold(agency, *, issued_on: dt.date | None, origin: str = "ledger", **fields) -> BookPolicy:
    """A policy of a new customer in ``agency``'s book, sold here unless ``origin`` says."""
    number = next(_ids)
    with inside(agency):
        customer = Customer.objects.create(
            first_name="مریم",
            last_name=f"احمدی {number}",
            source="panel",
            mobile=f"0935{number:07d}",
        )
        CustomerPhone.objects.create(
            customer=customer, kind="mobile", number=customer.mobile, is_primary=True
        )
        return BookPolicy.objects.create(
            customer=customer,
            origin=origin,
            policy_id=number if origin == "ledger" else None,
            insurer_code="" if origin == "ledger" else "iran",
            line_code="crm_motor",
            number=f"1405-97-{number}",
            issued_on=issued_on,
            start_date=issued_on,
            end_date=(issued_on or DAY) + dt.timedelta(days=365),
            premium=Decimal("25000000"),
            commission=Decimal("2500000"),
            **fields,
        )


def followup_of(agency, policy: BookPolicy, *, to: int | None = None) -> WorkItem:
    """The follow-up item of ``policy`` (built for DAY), given to ``to`` as the engine would."""
    with inside(agency):
        followups_build(agency=agency, day=DAY)
        item = WorkItem.objects.get(kind="followup", book_policy=policy)
        if to is not None:
            WorkItem.objects.filter(pk=item.pk).update(
                assigned_to_user_id=to, assigned_on=DAY, due_at=clock.due_at(DAY)
            )
            item.refresh_from_db()
        return item


@pytest.fixture
def staff(agency) -> list[int]:
    return add_staff(agency, 2)


# ---- the day's items ----------------------------------------------------------------------


def test_registered_as_the_days_step_at_30():
    step = next(step for step in day_steps() if step.key == "followup")
    assert step.position == 30 and step.build is followups_build


def test_build_takes_ledger_policies_issued_in_the_week_once(agency):
    inside_window = [
        sold(agency, issued_on=DAY),
        sold(agency, issued_on=DAY - dt.timedelta(days=6)),
    ]
    too_old = sold(agency, issued_on=DAY - dt.timedelta(days=7))
    future = sold(agency, issued_on=DAY + dt.timedelta(days=1))
    other = sold(agency, issued_on=DAY, origin="other")
    cancelled = sold(agency, issued_on=DAY, state=BookPolicy.State.CANCELLED)
    no_date = sold(agency, issued_on=None)
    with inside(agency):
        assert followups_build(agency=agency, day=DAY) == 2
        items = list(WorkItem.objects.filter(kind="followup"))
        assert {item.book_policy_id for item in items} == {p.pk for p in inside_window}
        for item in items:
            policy = BookPolicy.objects.get(pk=item.book_policy_id)
            assert item.customer_id == policy.customer_id
            assert (item.line_code, item.end_date, item.premium) == (
                "crm_motor",
                policy.end_date,
                Decimal("25000000"),
            )
            assert (item.state, item.queue, item.created_on) == ("open", "calls", DAY)
            assert item.assigned_to_user_id is None
        # The same day again, and the next: nothing new, nothing moved.
        before = list(WorkItem.objects.order_by("id").values())
        assert followups_build(agency=agency, day=DAY) == 0
        assert followups_build(agency=agency, day=DAY + dt.timedelta(days=1)) == 1  # `future`
        assert list(WorkItem.objects.order_by("id").values())[: len(before)] == before
        assert not WorkItem.objects.filter(
            book_policy__in=[too_old, other, cancelled, no_date]
        ).exists()
    assert future.pk


def test_build_does_nothing_with_follow_ups_off(agency):
    sold(agency, issued_on=DAY)
    with inside(agency):
        RenewalSettings.objects.filter(pk=1).update(followup_enabled=False)
        assert followups_build(agency=agency, day=DAY) == 0
        assert not WorkItem.objects.exists()


def test_build_closes_follow_ups_of_policies_since_cancelled(agency, staff):
    policy = sold(agency, issued_on=DAY)
    item = followup_of(agency, policy, to=staff[0])
    with inside(agency):
        BookPolicy.objects.filter(pk=policy.pk).update(state=BookPolicy.State.CANCELLED)
        followups_build(agency=agency, day=DAY + dt.timedelta(days=1))
        item.refresh_from_db()
        assert (item.state, item.outcome, item.due_at) == ("closed", "cancelled", None)


# ---- results ------------------------------------------------------------------------------


def test_confirmed_call_closes_the_item(agency, staff, at):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    actor = AgencyMembership.objects.get(user_id=staff[0]).user
    with inside(agency):
        call = followup_result_record(
            agency=agency, actor=actor, item=item, result=Result.CONFIRMED
        )
        item.refresh_from_db()
        assert (item.state, item.outcome, item.attempts) == ("closed", "confirmed", 1)
        assert item.closed_by_user_id == actor.pk and item.due_at is None
        assert (call.result, call.by_user_id) == ("confirmed", actor.pk)
        assert (
            AuditLog.objects.filter(action="renewal_item.result", target_id=str(item.pk)).count()
            == 1
        )
        with pytest.raises(FollowupRefused) as refused:
            followup_result_record(agency=agency, actor=actor, item=item, result="confirmed")
        assert "بسته" in refused.value.messages[0]


def test_complaint_needs_its_note(agency, staff, at):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    actor = AgencyMembership.objects.get(user_id=staff[0]).user
    with inside(agency):
        with pytest.raises(ValidationError) as missing:
            followup_result_record(agency=agency, actor=actor, item=item, result="complaint")
        assert "note" in missing.value.message_dict
        followup_result_record(
            agency=agency, actor=actor, item=item, result="complaint", note="بیمه‌نامه دیر رسید"
        )
        item.refresh_from_db()
        assert (item.state, item.outcome) == ("closed", "complaint")
        assert CallResult.objects.get(item=item).note == "بیمه‌نامه دیر رسید"


def test_three_unanswered_days_send_the_case_back_with_one_sms(
    agency, staff, at, django_capture_on_commit_callbacks
):
    policy = sold(agency, issued_on=DAY)
    item = followup_of(agency, policy, to=staff[0])
    actor = AgencyMembership.objects.get(user_id=staff[0]).user
    with inside(agency):
        for offset, hour in ((0, 10), (1, 16), (2, 9)):
            day = DAY + dt.timedelta(days=offset)
            at(tehran_at(day, hour))
            with django_capture_on_commit_callbacks(execute=True):
                followup_result_record(
                    agency=agency, actor=actor, item=item, result=Result.NOT_REACHABLE
                )
            item.refresh_from_db()
            assert item.unanswered_days == offset + 1
            if offset < 2:
                # Called again the next day, at the first call window, due the day after.
                assert item.queue == "calls"
                assert item.next_call_at == tehran_at(day + dt.timedelta(days=1), 9, 30)
                assert item.due_at == clock.due_at(day + dt.timedelta(days=1))
                assert not FollowupReturn.objects.exists()
        assert (item.state, item.queue, item.attempts) == ("open", "correct_details", 3)
        assert item.due_at is None and item.next_call_at is None  # not the staff's delay
        customer = Customer.objects.get(pk=item.customer_id)
        assert customer.contact_inaccurate_at == tehran_at(DAY + dt.timedelta(days=2), 9)
        back = FollowupReturn.objects.get()
        assert back.reason == "unanswered" and back.sms_message_id is not None
        assert (
            AuditLog.objects.filter(
                action="renewal_item.inaccurate", target_id=str(item.pk)
            ).count()
            == 1
        )
        # The task again (a redelivery), and its work called directly: still one message.
        renewals_followup_return_sms(agency.schema_name, back.pk)
        assert followup_return_sms(agency=agency, return_id=back.pk) == back.sms_message_id
        # The day's sweep does not queue it again either.
        at(tehran_at(DAY + dt.timedelta(days=3), 8))
        with django_capture_on_commit_callbacks(execute=True):
            followups_build(agency=agency, day=DAY + dt.timedelta(days=3))
    messages = list(SmsMessage.objects.filter(kind=SMS_KIND))
    assert len(messages) == 1
    message = messages[0]
    assert message.to == owner_of(agency).mobile and message.agency_id == agency.pk
    assert customer.display_name in message.body and policy.number in message.body
    assert "سه روز" in message.body


def test_two_unanswered_calls_on_one_day_count_once(agency, staff, at):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    actor = AgencyMembership.objects.get(user_id=staff[0]).user
    with inside(agency):
        at(tehran_at(DAY, 9, 45))
        followup_result_record(agency=agency, actor=actor, item=item, result="not_reachable")
        # 23:30 Tehran is 20:00 UTC the same day; the Tehran day is what counts.
        at(tehran_at(DAY, 23, 30))
        followup_result_record(agency=agency, actor=actor, item=item, result="not_reachable")
        item.refresh_from_db()
        assert (item.unanswered_days, item.attempts) == (1, 2)
        # Just after midnight in Tehran (still the day before in UTC): a new day.
        at(tehran_at(DAY + dt.timedelta(days=1), 0, 15))
        followup_result_record(agency=agency, actor=actor, item=item, result="not_reachable")
        item.refresh_from_db()
        assert item.unanswered_days == 2
        # A day without a call (a Friday, leave) neither counts nor starts again.
        at(tehran_at(DAY + dt.timedelta(days=3), 10))
        followup_result_record(agency=agency, actor=actor, item=item, result="not_reachable")
        item.refresh_from_db()
        assert (item.unanswered_days, item.queue) == (3, "correct_details")


def test_wrong_number_goes_straight_to_correction(
    agency, staff, at, django_capture_on_commit_callbacks
):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    actor = AgencyMembership.objects.get(user_id=staff[0]).user
    with inside(agency):
        with django_capture_on_commit_callbacks(execute=True):
            followup_result_record(agency=agency, actor=actor, item=item, result="wrong_number")
        item.refresh_from_db()
        assert (item.queue, item.unanswered_days) == ("correct_details", 0)
        assert FollowupReturn.objects.get().reason == "wrong_number"
        phone = CustomerPhone.objects.get(customer_id=item.customer_id)
        assert phone.marked_wrong_at is not None
        with pytest.raises(FollowupRefused):  # waiting for the correction, not for a call
            followup_result_record(agency=agency, actor=actor, item=item, result="confirmed")
    assert SmsMessage.objects.filter(kind=SMS_KIND).count() == 1


def test_correction_puts_the_customer_back_on_the_calls_list(
    agency, staff, at, django_capture_on_commit_callbacks
):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    member = AgencyMembership.objects.get(user_id=staff[0]).user
    other_staff = AgencyMembership.objects.get(user_id=staff[1]).user
    with inside(agency):
        for offset in range(3):
            at(tehran_at(DAY + dt.timedelta(days=offset), 10))
            followup_result_record(agency=agency, actor=member, item=item, result="not_reachable")
        item.refresh_from_db()
        assert item.queue == "correct_details"
        with pytest.raises(ValidationError):  # nothing entered
            followup_details_corrected(agency=agency, actor=other_staff, item=item)
        customer = Customer.objects.get(pk=item.customer_id)
        with pytest.raises(FollowupRefused) as same:  # the number it already has
            followup_details_corrected(
                agency=agency, actor=other_staff, item=item, mobile=customer.mobile
            )
        assert "تغییری" in same.value.messages[0] or "همین" in same.value.messages[0]
        moment = at(tehran_at(DAY + dt.timedelta(days=3), 11))
        # Any member of the agency corrects, in any spelling of the number.
        followup_details_corrected(
            agency=agency,
            actor=other_staff,
            item=item,
            mobile="۰۹۱۲ ۷۷۷ ۶۶۵۵",
            phone="021 8877 6655",
        )
        item.refresh_from_db()
        assert (item.queue, item.unanswered_days, item.state) == ("calls", 0, "open")
        assert item.next_call_at == moment and item.assigned_to_user_id == staff[0]
        customer.refresh_from_db()
        assert customer.mobile == "09127776655" and customer.contact_inaccurate_at is None
        assert CustomerPhone.objects.filter(customer=customer).count() == 3
        assert FollowupReturn.objects.get().corrected_by_user_id == other_staff.pk
        assert AuditLog.objects.filter(action="renewal_item.corrected").count() == 1
        assert AuditLog.objects.filter(action="customer.phone_added").count() == 2
        with pytest.raises(FollowupRefused):  # back on the calls list: nothing to correct
            followup_details_corrected(
                agency=agency, actor=other_staff, item=item, mobile="09127776600"
            )
        # Called again: an unanswered call the same day counts afresh from one.
        followup_result_record(agency=agency, actor=member, item=item, result="not_reachable")
        item.refresh_from_db()
        assert (item.unanswered_days, item.queue) == (1, "calls")
        at(tehran_at(DAY + dt.timedelta(days=4), 10))
        followup_result_record(agency=agency, actor=member, item=item, result="confirmed")
        item.refresh_from_db()
        assert (item.state, item.outcome) == ("closed", "confirmed")
        with pytest.raises(FollowupRefused):  # closed
            followup_details_corrected(
                agency=agency, actor=other_staff, item=item, mobile="09127776600"
            )


def test_another_staff_members_item_is_refused_an_owner_may(agency, staff, at):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    other = AgencyMembership.objects.get(user_id=staff[1]).user
    manager = add_staff(agency, 1, role=AgencyMembership.Role.MANAGER)[0]
    with inside(agency):
        with pytest.raises(FollowupRefused) as refused:
            followup_result_record(agency=agency, actor=other, item=item, result="confirmed")
        assert "کارمند دیگری" in refused.value.messages[0]
        assert not CallResult.objects.exists()
        followup_result_record(
            agency=agency,
            actor=AgencyMembership.objects.get(user_id=manager).user,
            item=item,
            result="not_reachable",
        )
        followup_result_record(agency=agency, actor=owner_of(agency), item=item, result="confirmed")
        assert CallResult.objects.count() == 2


def test_refused_for_a_suspended_agency(agency, staff, at):
    item = followup_of(agency, sold(agency, issued_on=DAY), to=staff[0])
    actor = AgencyMembership.objects.get(user_id=staff[0]).user
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    with inside(agency):
        with pytest.raises(AgencyNotActive):
            followup_result_record(agency=agency, actor=actor, item=item, result="confirmed")
        WorkItem.objects.filter(pk=item.pk).update(queue="correct_details")
        with pytest.raises(AgencyNotActive):
            followup_details_corrected(agency=agency, actor=actor, item=item, mobile="09127776655")
        item.refresh_from_db()
        assert (item.state, item.queue, item.attempts) == ("open", "correct_details", 0)
        assert not CallResult.objects.exists()


def test_not_a_followup_item_is_refused(agency, staff, at):
    policy = sold(agency, issued_on=DAY)
    with inside(agency):
        renewal = WorkItem.objects.create(
            kind="renewal",
            book_policy=policy,
            customer_id=policy.customer_id,
            line_code=policy.line_code,
            created_on=DAY,
        )
        with pytest.raises(FollowupRefused):
            followup_result_record(
                agency=agency, actor=owner_of(agency), item=renewal, result="confirmed"
            )
        with pytest.raises(ValidationError):
            followup_result_record(
                agency=agency, actor=owner_of(agency), item=renewal, result="renewed"
            )

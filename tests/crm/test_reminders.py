"""Activity reminders: claimed by a conditional update, so each goes out once however often
the sweep runs; the assignee is told in the panel and by SMS."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import SmsMessage
from crm.models import Activity, Case
from crm.services.reminders import activity_reminders_send
from crm.tasks import crm_reminders_sweep
from tests.crm.conftest import inside

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(agency, staff_member):
    """Activities of the staff member: one due to be reminded, one later, one done, one on a
    closed case."""
    now = timezone.now()
    with inside(agency):
        case = Case.objects.create(kind="sale", title="فروش", assignee_user_id=staff_member.user_id)
        closed = Case.objects.create(
            kind="sale", title="بسته", state="done", assignee_user_id=staff_member.user_id
        )

        def make(case, subject, remind_in, **extra):
            return Activity.objects.create(
                case=case,
                kind="call",
                subject=subject,
                assignee_user_id=staff_member.user_id,
                due_at=now + dt.timedelta(hours=1),
                remind_at=now + remind_in,
                **extra,
            )

        due = make(case, "تماس با مشتری", dt.timedelta(minutes=-1))
        make(case, "بعداً", dt.timedelta(hours=1))
        make(case, "انجام شده", dt.timedelta(minutes=-5), done_at=now)
        make(closed, "پرونده بسته", dt.timedelta(minutes=-5))
    return due


def test_a_due_reminder_is_sent_once_however_often_the_sweep_runs(agency, planned, staff_member):
    assert crm_reminders_sweep() == 1  # one agency visited (tasks run in process)
    assert crm_reminders_sweep() == 1
    with inside(agency):
        assert activity_reminders_send(agency=agency) == 0
        sent = Activity.objects.filter(reminder_sent_at__isnull=False)
        assert list(sent.values_list("pk", flat=True)) == [planned.pk]
    messages = SmsMessage.objects.filter(kind="crm_activity_reminder")
    assert messages.count() == 1
    message = messages.get()
    assert message.to == staff_member.user.mobile
    assert message.agency_id == agency.pk
    assert "تماس با مشتری" in message.body and "یادآوری" in message.body


def test_no_sms_when_turned_off_but_the_reminder_is_still_claimed(agency, planned, settings):
    settings.CRM_REMINDER_SMS = False
    with inside(agency):
        assert activity_reminders_send(agency=agency) == 1
        assert activity_reminders_send(agency=agency) == 0
    assert not SmsMessage.objects.filter(kind="crm_activity_reminder").exists()


def test_a_later_reminder_waits_for_its_time(agency, planned):
    with inside(agency):
        activity_reminders_send(agency=agency)
        later = timezone.now() + dt.timedelta(hours=2)
        assert activity_reminders_send(agency=agency, now=later) == 1
        assert activity_reminders_send(agency=agency, now=later) == 0
    assert SmsMessage.objects.filter(kind="crm_activity_reminder").count() == 2


def test_the_beat_entry_is_registered(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-crm-activity-reminders"]
    assert entry["task"] == "crm.tasks.crm_reminders_sweep"


@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_send_each_reminder_once(agency, staff_member, drop_schemas_after):
    import threading

    from django.db import connection

    now = timezone.now()
    with inside(agency):
        case = Case.objects.create(kind="sale", title="فروش", assignee_user_id=staff_member.user_id)
        Activity.objects.bulk_create(
            Activity(
                case=case,
                kind="call",
                subject=f"تماس {index}",
                assignee_user_id=staff_member.user_id,
                remind_at=now - dt.timedelta(minutes=index),
            )
            for index in range(30)
        )
    barrier = threading.Barrier(4)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            connection.set_tenant(agency)
            barrier.wait()
            claimed.append(activity_reminders_send(agency=agency))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(claimed) == 30
    assert SmsMessage.objects.filter(kind="crm_activity_reminder").count() == 30
    with inside(agency):
        assert not Activity.objects.filter(reminder_sent_at__isnull=True).exists()

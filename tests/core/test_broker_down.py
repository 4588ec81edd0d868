"""The broker is down after a commit: the request still answers, and the SMS that could
not be handed to a worker is sent by the sweep once the broker is back."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import OneTimeCode
from core.models import SmsMessage
from core.queue import enqueue
from core.sms import sms_queue
from core.tasks import sms_resume, sms_send

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "09351234567"


def _age(minutes: int) -> None:
    SmsMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=minutes))


def test_a_login_code_request_answers_and_the_sweep_sends_the_code(client, broker_down):
    response = client.post("/accounts/login/", {"mobile": MOBILE}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/?next=%2F"
    assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 1
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts) == (SmsMessage.Status.QUEUED, 0)

    broker_down.recover()
    assert sms_resume() == 0  # a message this fresh may still be on its way
    _age(minutes=3)
    assert sms_resume() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsMessage.Status.SENT, 1)
    assert sms_resume() == 0


def test_a_dead_broker_is_tried_once_then_left_alone_for_a_moment(broker_down, caplog):
    with transaction.atomic():
        first = sms_queue(to=MOBILE, body="یک", kind="test")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="core.queue"):
        assert enqueue(sms_send, message_id=first.pk) is False
    assert [record.getMessage() for record in caplog.records] == [
        "Broker down a moment ago: core.tasks.sms_send not sent, left to its sweep"
    ]
    assert SmsMessage.objects.get().status == SmsMessage.Status.QUEUED


def test_the_sweep_leaves_sent_failed_and_old_messages_alone(broker_down):
    with transaction.atomic():
        for body in ("sent", "failed", "old", "retry lost", "retries used up", "waiting"):
            sms_queue(to=MOBILE, body=body, kind="test")
    now = timezone.now()
    rows = {message.body: message for message in SmsMessage.objects.all()}
    SmsMessage.objects.filter(pk=rows["sent"].pk).update(status=SmsMessage.Status.SENT)
    SmsMessage.objects.filter(pk=rows["failed"].pk).update(status=SmsMessage.Status.FAILED)
    SmsMessage.objects.filter(pk=rows["retry lost"].pk).update(
        attempts=2, claimed_at=now - dt.timedelta(minutes=15)
    )
    SmsMessage.objects.filter(pk=rows["retries used up"].pk).update(
        attempts=6, claimed_at=now - dt.timedelta(minutes=15)
    )
    SmsMessage.objects.filter(pk=rows["waiting"].pk).update(
        attempts=1, claimed_at=now - dt.timedelta(minutes=1)
    )
    _age(minutes=3)
    SmsMessage.objects.filter(pk=rows["old"].pk).update(created_at=now - dt.timedelta(days=2))

    broker_down.recover()
    assert sms_resume() == 1
    assert dict(SmsMessage.objects.values_list("body", "status")) == {
        "sent": "sent",
        "failed": "failed",
        "old": "queued",
        "retry lost": "sent",
        "retries used up": "queued",
        "waiting": "queued",
    }

"""SMS: logged, sent from Celery after commit, retried with back-off, never sent twice."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import requests
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from core.models import SmsMessage
from core.sms import PermanentSmsError, TransientSmsError, sms_queue
from core.sms.base import SmsBackend, SmsReceipt
from core.sms.kavenegar import KavenegarBackend
from core.tasks import sms_send

pytestmark = pytest.mark.django_db


class SandboxBackend(SmsBackend):
    """A provider sandbox: records every call; can be told to fail a number of times."""

    name = "sandbox"
    calls: list[dict] = []
    transient_failures = 0
    permanent = False

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        SandboxBackend.calls.append({"to": to, "body": body, "local_id": local_id})
        if SandboxBackend.permanent:
            raise PermanentSmsError("APIException[418] credit is not enough")
        if SandboxBackend.transient_failures > 0:
            SandboxBackend.transient_failures -= 1
            raise TransientSmsError("provider timeout")
        return SmsReceipt(provider_message_id=f"sandbox-{local_id}")


@pytest.fixture
def sandbox(settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "tests.core.test_sms.SandboxBackend"
    SandboxBackend.calls = []
    SandboxBackend.transient_failures = 0
    SandboxBackend.permanent = False
    return SandboxBackend


def _queue(capture, **kwargs) -> SmsMessage:
    with capture(execute=True):
        message = sms_queue(**kwargs)
    message.refresh_from_db()
    return message


def test_dev_backend_keeps_the_text_and_marks_it_sent(django_capture_on_commit_callbacks):
    message = _queue(django_capture_on_commit_callbacks, to="09121234567", body="سلام", kind="test")
    assert message.status == SmsMessage.Status.SENT
    assert message.body == "سلام"
    assert message.backend == "dev"
    assert message.provider_message_id == f"dev-{message.pk}"
    assert message.attempts == 1


def test_dev_outbox_page_lists_messages(client, django_capture_on_commit_callbacks):
    _queue(django_capture_on_commit_callbacks, to="09121234567", body="کد ورود: 123456", kind="otp")
    page = client.get("/dev/sms/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert "کد ورود: 123456".encode() in page.content


def test_dev_outbox_is_hidden_with_a_real_provider(client, sandbox):
    assert client.get("/dev/sms/", HTTP_HOST="localhost").status_code == 404


def test_nothing_is_sent_before_commit(sandbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = sms_queue(to="09121234567", body="x")
    assert sandbox.calls == []
    assert SmsMessage.objects.get(pk=message.pk).status == SmsMessage.Status.QUEUED
    assert len(callbacks) == 1


def test_a_rolled_back_message_is_never_sent(sandbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_queue(to="09121234567", body="x")
        raise RuntimeError
    assert sandbox.calls == []
    assert not SmsMessage.objects.exists()


def test_sensitive_text_is_masked_everywhere_but_reaches_the_provider(
    sandbox, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    message = _queue(
        django_capture_on_commit_callbacks,
        to="09121234567",
        body="کد ورود شما: 654321",
        kind="otp",
        sensitive_parts=("654321",),
    )
    assert message.status == SmsMessage.Status.SENT
    assert message.body == "کد ورود شما: ******"
    assert sandbox.calls == [
        {"to": "09121234567", "body": "کد ورود شما: 654321", "local_id": str(message.pk)}
    ]
    assert "654321" not in caplog.text
    assert not SmsMessage.objects.filter(body__contains="654321").exists()


def test_transient_failures_are_retried_with_back_off_then_sent(sandbox, monkeypatch):
    """As a worker runs it: each failed try schedules the next one later, then it is sent."""
    scheduled = []

    def record_retry(*args, **kwargs):
        scheduled.append(kwargs.get("countdown"))
        raise Retry("scheduled", when=kwargs.get("countdown"))

    monkeypatch.setattr(sms_send, "retry", record_retry)
    sandbox.transient_failures = 2
    message = SmsMessage.objects.create(to="09121234567", body="x")
    for attempt in range(3):
        result = sms_send.apply(kwargs={"message_id": message.pk}, retries=attempt, throw=False)
        message.refresh_from_db()
        if attempt < 2:
            assert result.state == "RETRY"
            assert message.status == SmsMessage.Status.QUEUED
            assert message.last_error == "provider timeout"
    assert result.get() == "sent"
    assert message.status == SmsMessage.Status.SENT
    assert scheduled == [2, 4]
    assert len(sandbox.calls) == 3
    assert message.attempts == 3


def test_retries_end_in_failure(sandbox, monkeypatch):
    sandbox.transient_failures = 100
    message = SmsMessage.objects.create(to="09121234567", body="x")
    result = sms_send.apply(kwargs={"message_id": message.pk}, retries=sms_send.max_retries)
    assert result.get() == "failed"
    message.refresh_from_db()
    assert message.status == SmsMessage.Status.FAILED


def test_a_permanent_refusal_fails_without_retry(sandbox, django_capture_on_commit_callbacks):
    sandbox.permanent = True
    message = _queue(django_capture_on_commit_callbacks, to="09121234567", body="x")
    assert message.status == SmsMessage.Status.FAILED
    assert "418" in message.last_error
    assert len(sandbox.calls) == 1


def test_running_the_task_again_never_sends_twice(sandbox, django_capture_on_commit_callbacks):
    message = _queue(django_capture_on_commit_callbacks, to="09121234567", body="x")
    assert sms_send.apply(kwargs={"message_id": message.pk}).get() == "skipped (sent)"
    assert len(sandbox.calls) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_a_message_claimed_by_a_live_worker_is_left_alone(sandbox):
    message = SmsMessage.objects.create(
        to="09121234567", body="x", status=SmsMessage.Status.SENDING, claimed_at=timezone.now()
    )
    assert sms_send.apply(kwargs={"message_id": message.pk}).get() == "skipped (sending)"
    assert sandbox.calls == []


def test_a_claim_left_by_a_dead_worker_is_taken_again(sandbox):
    message = SmsMessage.objects.create(
        to="09121234567",
        body="x",
        status=SmsMessage.Status.SENDING,
        claimed_at=timezone.now() - dt.timedelta(minutes=10),
        attempts=1,
    )
    assert sms_send.apply(kwargs={"message_id": message.pk}).get() == "sent"
    assert sandbox.calls == [{"to": "09121234567", "body": "x", "local_id": str(message.pk)}]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsMessage.Status.SENT, 2)


class FakeResponse:
    def __init__(self, payload: dict | str):
        self.content = (payload if isinstance(payload, str) else json.dumps(payload)).encode()


@pytest.fixture
def kavenegar_http(monkeypatch, settings):
    """Kavenegar's HTTP API as it answers; only the network call is replaced."""
    settings.KAVENEGAR_API_KEY = "test-key"
    settings.KAVENEGAR_SENDER = "10004346"
    sent: list[dict] = []
    answers: list[object] = []

    def post(url, headers=None, auth=None, data=None, **kwargs):
        sent.append({"url": url, "data": data})
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr("kavenegar.requests.post", post)
    return sent, answers


def test_kavenegar_sends_with_localid_and_returns_the_message_id(kavenegar_http):
    sent, answers = kavenegar_http
    answers.append(
        FakeResponse(
            {
                "return": {"status": 200, "message": "تایید شد"},
                "entries": [{"messageid": 8792343, "status": 1, "receptor": "09121234567"}],
            }
        )
    )
    receipt = KavenegarBackend().send(to="09121234567", body="سلام", local_id="42")
    assert receipt.provider_message_id == "8792343"
    assert sent[0]["url"] == "https://api.kavenegar.com/v1/test-key/sms/send.json"
    assert sent[0]["data"] == {
        "receptor": "09121234567",
        "message": "سلام",
        "localid": "42",
        "sender": "10004346",
    }


def test_kavenegar_credit_error_is_permanent(kavenegar_http):
    _sent, answers = kavenegar_http
    answers.append(
        FakeResponse(
            {"return": {"status": 418, "message": "اعتبار حساب شما کافی نیست"}, "entries": None}
        )
    )
    with pytest.raises(PermanentSmsError):
        KavenegarBackend().send(to="09121234567", body="x", local_id="1")


@pytest.mark.parametrize(
    "answer",
    [
        FakeResponse({"return": {"status": 502, "message": "error"}, "entries": None}),
        FakeResponse("<html>Bad Gateway</html>"),
        requests.exceptions.ConnectionError("connection refused"),
    ],
)
def test_kavenegar_outages_are_transient(kavenegar_http, answer):
    _sent, answers = kavenegar_http
    answers.append(answer)
    with pytest.raises(TransientSmsError):
        KavenegarBackend().send(to="09121234567", body="x", local_id="1")

"""SMS: logged, sent from Celery after commit, retried with back-off, never sent twice."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import requests
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone

from core.models import SmsMessage
from core.redis import redis_client
from core.sms import PermanentSmsError, TransientSmsError, sms_queue
from core.sms.base import SmsBackend, SmsReceipt
from core.sms.kavenegar import KavenegarBackend
from core.sms.services import CLEAR_TEXT_TTL_SECONDS, sms_clear_text
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
    assert message.backend == "sandbox"
    assert message.provider_message_id.startswith("sb-") or message.provider_message_id
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
    # The task ran eagerly and its log was captured, yet the code appears nowhere in it.
    assert f"SMS {message.pk} sent by sandbox" in caplog.text
    assert "654321" not in caplog.text
    assert not SmsMessage.objects.filter(body__contains="654321").exists()
    # Once sent, the clear text is gone from Redis too.
    assert sms_clear_text(message=message) is None
    assert not any(b"654321" in (redis_client().get(key) or b"") for key in _redis_keys())


def _redis_keys():
    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
    return list(redis_client().scan_iter(match=f"{prefix}:core:sms-clear:*"))


def test_the_task_receives_the_message_id_alone(sandbox, django_capture_on_commit_callbacks):
    """What Celery would serialise, log or show in a monitor holds no text at all."""
    sent = []
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = sms_queue(to="09121234567", body="کد: 112233", sensitive_parts=("112233",))
    key = _redis_keys()
    assert len(key) == 1
    assert redis_client().get(key[0]).decode() == "کد: 112233"
    assert 0 < redis_client().ttl(key[0]) <= CLEAR_TEXT_TTL_SECONDS
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            sms_send,
            "apply_async",
            lambda args=None, kwargs=None, **opts: sent.append((args, kwargs)),
        )
        for callback in callbacks:
            callback()
    assert sent == [((), {"message_id": message.pk})]
    assert sandbox.calls == []


def test_an_expired_clear_text_fails_without_sending(sandbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_queue(to="09121234567", body="کد: 112233", sensitive_parts=("112233",))
    redis_client().delete(*_redis_keys())
    assert sms_send.apply(kwargs={"message_id": message.pk}).get() == "failed"
    message.refresh_from_db()
    assert (message.status, message.last_error) == (SmsMessage.Status.FAILED, "clear text expired")
    assert sandbox.calls == []


def test_eager_retries_send_it_in_the_end(sandbox, django_capture_on_commit_callbacks):
    """Celery's own retry (run at once in eager mode): the provider is called once per try."""
    sandbox.transient_failures = 2
    message = _queue(
        django_capture_on_commit_callbacks,
        to="09121234567",
        body="کد: 445566",
        sensitive_parts=("445566",),
    )
    assert message.status == SmsMessage.Status.SENT
    assert message.attempts == 3
    assert [call["body"] for call in sandbox.calls] == ["کد: 445566"] * 3
    assert {call["local_id"] for call in sandbox.calls} == {str(message.pk)}
    assert message.last_error == ""


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


def test_a_provider_that_does_not_answer_in_time_is_tried_again(sandbox, monkeypatch):
    scheduled = []

    def slow_send(**kwargs):
        raise SoftTimeLimitExceeded

    def record_retry(*args, **kwargs):
        scheduled.append(kwargs.get("countdown"))
        raise Retry("scheduled", when=kwargs.get("countdown"))

    monkeypatch.setattr(SandboxBackend, "send", lambda self, **kwargs: slow_send(**kwargs))
    monkeypatch.setattr(sms_send, "retry", record_retry)
    message = SmsMessage.objects.create(to="09121234567", body="x")
    result = sms_send.apply(kwargs={"message_id": message.pk}, throw=False)
    assert result.state == "RETRY"
    assert scheduled == [2]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsMessage.Status.QUEUED, 1)
    assert message.last_error == "SoftTimeLimitExceeded()"


def test_retries_end_in_failure(sandbox, django_capture_on_commit_callbacks):
    sandbox.transient_failures = 100
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_queue(to="09121234567", body="کد: 778899", sensitive_parts=("778899",))
    result = sms_send.apply(kwargs={"message_id": message.pk}, retries=sms_send.max_retries)
    assert result.get() == "failed"
    message.refresh_from_db()
    assert (message.status, message.last_error) == (SmsMessage.Status.FAILED, "provider timeout")
    assert len(sandbox.calls) == 1
    assert _redis_keys() == []


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
        sent.append({"url": url, "data": data, "timeout": kwargs.get("timeout")})
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
    assert sent[0]["timeout"] is not None


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
        FakeResponse({"return": {"status": 503, "message": "سرویس در دسترس نیست"}, "entries": []}),
        FakeResponse({"error": "unexpected"}),
        FakeResponse("<html>Bad Gateway</html>"),
        requests.exceptions.ConnectionError("connection refused"),
    ],
)
def test_kavenegar_outages_are_transient(kavenegar_http, answer):
    _sent, answers = kavenegar_http
    answers.append(answer)
    with pytest.raises(TransientSmsError):
        KavenegarBackend().send(to="09121234567", body="x", local_id="1")


def test_a_network_error_never_reveals_the_api_key(kavenegar_http):
    _sent, answers = kavenegar_http
    answers.append(
        requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='api.kavenegar.com', port=443): Max retries exceeded "
            "with url: /v1/test-key/sms/send.json"
        )
    )
    with pytest.raises(TransientSmsError) as raised:
        KavenegarBackend().send(to="09121234567", body="x", local_id="1")
    assert "test-key" not in str(raised.value)
    assert "/v1/***/sms/send.json" in str(raised.value)


def test_the_task_sends_through_kavenegar_and_keeps_its_message_id(
    kavenegar_http, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "kavenegar"
    sent, answers = kavenegar_http
    answers.append(
        FakeResponse(
            {
                "return": {"status": 200, "message": "تایید شد"},
                "entries": [{"messageid": 55501, "status": 1, "receptor": "09121234567"}],
            }
        )
    )
    message = _queue(
        django_capture_on_commit_callbacks,
        to="09121234567",
        body="کد ورود: 246810",
        kind="otp",
        sensitive_parts=("246810",),
    )
    assert (message.status, message.backend, message.provider_message_id) == (
        SmsMessage.Status.SENT,
        "kavenegar",
        "55501",
    )
    assert message.body == "کد ورود: ******"
    assert [
        (item["data"]["receptor"], item["data"]["localid"], item["data"]["message"])
        for item in sent
    ] == [("09121234567", str(message.pk), "کد ورود: 246810")]

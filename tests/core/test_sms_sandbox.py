"""The SMS sandbox behaves like a provider, deterministically by the recipient's last four
digits, with delayed reports, replies, and one delivery per local id (decision 034)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from core.redis import redis_client
from core.sms import sandbox as sandbox_module
from core.sms.base import (
    DeliveryStatus,
    OutgoingSms,
    PermanentSmsError,
    SendResult,
    StatusReport,
    TransientSmsError,
    get_backend,
    sms_sandbox_active,
)
from core.sms.dev import DevelopmentBackend
from core.sms.sandbox import (
    SandboxBackend,
    sandbox_calls,
    sandbox_delivered_count,
    sandbox_inbound_add,
    sandbox_sent,
)
from tests.core.test_settings import _boot
from tests.waiting import wait_until


@pytest.fixture
def sandbox(settings):
    settings.SMS_BACKEND = "sandbox"
    settings.SMS_SANDBOX_REPORT_SECONDS = 0
    return SandboxBackend()


def _sms(local_id: str, to: str, line: str = "service", body: str = "سلام") -> OutgoingSms:
    return OutgoingSms(local_id=local_id, to=to, body=body, line=line)


def test_the_sandbox_is_the_default_outside_production_and_dev_is_its_alias(settings):
    assert isinstance(get_backend(), SandboxBackend)  # the test settings' default
    assert sms_sandbox_active()
    settings.SMS_BACKEND = "sandbox"
    assert type(get_backend()) is SandboxBackend
    settings.SMS_BACKEND = "dev"
    assert type(get_backend()) is DevelopmentBackend
    settings.SMS_BACKEND = "kavenegar"
    assert not sms_sandbox_active()


def test_production_refuses_the_sandbox():
    result = _boot(DJANGO_ENV="production", SECRET_KEY="x" * 50, SMS_BACKEND="sandbox")
    assert result.returncode != 0
    assert "development SMS backend" in result.stderr


def test_each_number_behaves_as_documented(sandbox):
    results = sandbox.send_batch(
        [
            _sms("1", "09120000000"),
            _sms("2", "09121111111", "promotional"),
            _sms("3", "09121111111", "service"),
            _sms("4", "09122222222"),
            _sms("5", "09121234567", "promotional"),
        ]
    )
    assert results == [
        SendResult("1", "failed", "", "invalid number"),
        SendResult("2", "blacklisted", "", "blocked advertising"),
        SendResult("3", "sent", "sandbox-3"),
        SendResult("4", "sent", "sandbox-4"),
        SendResult("5", "sent", "sandbox-5"),
    ]
    assert sandbox.statuses(["sandbox-3", "sandbox-4", "sandbox-5", "sandbox-404"]) == [
        StatusReport("sandbox-3", "delivered"),
        StatusReport("sandbox-4", "undelivered"),
        StatusReport("sandbox-5", "delivered"),
    ]
    # Only the two delivered messages reached a phone.
    assert sandbox_delivered_count() == 2
    assert sandbox_sent("5")["sender"] == django_settings.SMS_SANDBOX_PROMOTIONAL_LINE
    assert sandbox_sent("3")["sender"] == django_settings.SMS_SANDBOX_SERVICE_LINE


def test_3333_loses_the_first_answer_and_the_retry_delivers_once(sandbox):
    batch = [_sms("10", "09123333333"), _sms("11", "09121234567")]
    with pytest.raises(TransientSmsError):
        sandbox.send_batch(batch)
    assert sandbox.send_batch(batch) == [
        SendResult("10", "sent", "sandbox-10"),
        SendResult("11", "sent", "sandbox-11"),
    ]
    assert sandbox_delivered_count() == 2
    assert sandbox_calls("send") == 2
    # The number only fails the first call that contains it.
    assert sandbox.send_batch([_sms("12", "09123333333")])[0].status == "sent"


def test_a_local_id_sent_twice_is_delivered_once(sandbox):
    first = sandbox.send_batch([_sms("20", "09121234567", body="یک")])
    again = sandbox.send_batch([_sms("20", "09121234567", body="دو"), _sms("20", "09121234567")])
    assert first[0] == again[0] == again[1] == SendResult("20", "sent", "sandbox-20")
    assert sandbox_delivered_count() == 1
    assert sandbox_sent("20")["body"] == "یک"
    assert sandbox_calls("send") == 2


def test_reports_come_after_the_configured_delay(sandbox, settings, monkeypatch):
    settings.SMS_SANDBOX_REPORT_SECONDS = 3
    clock = [1_000_000.0]
    monkeypatch.setattr(sandbox_module, "_now", lambda: clock[0])
    sandbox.send_batch([_sms("30", "09121234567"), _sms("31", "09122222222")])
    assert {r.status for r in sandbox.statuses(["sandbox-30", "sandbox-31"])} == {"sent"}
    clock[0] += 2.9
    assert {r.status for r in sandbox.statuses(["sandbox-30", "sandbox-31"])} == {"sent"}
    clock[0] += 0.1
    assert sandbox.statuses(["sandbox-30", "sandbox-31"]) == [
        StatusReport("sandbox-30", DeliveryStatus.DELIVERED),
        StatusReport("sandbox-31", DeliveryStatus.UNDELIVERED),
    ]
    assert sandbox_calls("status") == 3


def test_reports_arrive_by_themselves_on_the_real_clock(sandbox, settings):
    settings.SMS_SANDBOX_REPORT_SECONDS = 0.2
    sandbox.send_batch([_sms("40", "09121234567")])
    assert wait_until(
        lambda: sandbox.statuses(["sandbox-40"]) == [StatusReport("sandbox-40", "delivered")],
        timeout=10,
    )


def test_refusals_at_sending_are_reported_at_once(sandbox, settings):
    settings.SMS_SANDBOX_REPORT_SECONDS = 3600
    sandbox.send_batch([_sms("50", "09121111111", "promotional")])
    # Refused messages get no provider id; a report by local id would not exist either.
    assert sandbox.statuses(["sandbox-50"]) == [StatusReport("sandbox-50", "blacklisted")]


def test_single_send_follows_the_same_rules(sandbox):
    assert sandbox.send(to="09121234567", body="x", local_id="60").provider_message_id == (
        "sandbox-60"
    )
    with pytest.raises(PermanentSmsError):
        sandbox.send(to="09120000000", body="x", local_id="61")


def test_a_batch_is_capped_at_100(sandbox):
    assert sandbox.max_batch == 100
    assert len(sandbox.send_batch([_sms(str(i), f"09121{i:03d}567") for i in range(100)])) == 100
    with pytest.raises(ValueError):
        sandbox.send_batch([_sms(str(i), "09121234567") for i in range(101)])
    assert sandbox_delivered_count() == 100


def test_inbound_returns_each_reply_once(sandbox):
    assert sandbox.inbound() == []
    sandbox_inbound_add("09121234567", "لغو ۱۱")
    sandbox_inbound_add("09351234567", "بله", line_number="50008000")
    first = sandbox.inbound()
    assert [(m.sender, m.line_number, m.body) for m in first] == [
        ("09121234567", django_settings.SMS_SANDBOX_SERVICE_LINE, "لغو ۱۱"),
        ("09351234567", "50008000", "بله"),
    ]
    assert all(m.received_at.tzinfo is not None for m in first)
    assert len({m.provider_id for m in first}) == 2
    assert sandbox.inbound() == []
    assert sandbox_calls("inbound") == 3


def test_state_lives_under_the_cache_key_prefix(sandbox):
    sandbox.send_batch([_sms("70", "09121234567")])
    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
    keys = {key.decode() for key in redis_client().scan_iter(match="*smssandbox*")}
    assert f"{prefix}:smssandbox:m:70" in keys
    assert all(key.startswith(f"{prefix}:smssandbox:") for key in keys)
    assert redis_client().ttl(f"{prefix}:smssandbox:m:70") > 0


@pytest.mark.django_db
def test_the_dev_page_replies_as_a_customer(client, sandbox):
    page = client.get("/dev/sms/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert b'id="sms-reply"' in page.content
    answer = client.post(
        "/dev/sms/", {"sender": "۰۹۱۲۱۲۳۴۵۶۷", "body": "لغو"}, HTTP_HOST="localhost"
    )
    assert answer.status_code == 302
    (reply,) = SandboxBackend().inbound()
    assert (reply.sender, reply.body) == ("09121234567", "لغو")
    assert (
        client.post("/dev/sms/", {"sender": "", "body": "x"}, HTTP_HOST="localhost").status_code
        == 400
    )


@pytest.mark.django_db
def test_the_dev_page_is_hidden_with_a_real_provider(client, settings):
    settings.SMS_BACKEND = "kavenegar"
    assert client.get("/dev/sms/", HTTP_HOST="localhost").status_code == 404
    assert (
        client.post("/dev/sms/", {"sender": "1", "body": "x"}, HTTP_HOST="localhost").status_code
        == 404
    )


def test_a_sandbox_without_redis_is_a_provider_out_of_reach(sandbox, own_redis):
    own_redis.stop()
    with pytest.raises(TransientSmsError):
        sandbox.send_batch([_sms("80", "09121234567")])
    with pytest.raises(TransientSmsError):
        sandbox.statuses(["sandbox-80"])
    with pytest.raises(TransientSmsError):
        sandbox.inbound()

"""Helpers for the accounts tests: read the code the development SMS backend kept."""

from __future__ import annotations

import itertools
import re

import pytest

from core.models import SmsMessage
from core.sms.base import SmsBackend, SmsReceipt

MOBILE = "09351234567"


def last_code(mobile: str = MOBILE) -> str:
    """The code in the newest SMS to ``mobile`` (the dev backend keeps the clear text)."""
    message = SmsMessage.objects.filter(to=mobile, kind="otp").order_by("-id").first()
    assert message is not None, f"no SMS was queued for {mobile}"
    match = re.search(r"\b(\d{6})\b", message.body)
    assert match is not None, message.body
    return match.group(1)


def other_code(code: str) -> str:
    """A six-digit code that is certainly not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def fixed_codes(monkeypatch):
    """Make the generated codes predictable: 480417, 480418, …"""
    counter = itertools.count(480417)
    monkeypatch.setattr("accounts.services.otp._new_code", lambda: f"{next(counter):06d}")
    return counter


@pytest.fixture
def no_resend_wait(settings):
    """Allow a second code at once (the one-per-minute limit is tested on its own)."""
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


class CapturingBackend(SmsBackend):
    """A provider stand-in that keeps what it was asked to deliver."""

    name = "capturing"
    sent: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, local_id: str) -> SmsReceipt:
        CapturingBackend.sent.append({"to": to, "body": body, "local_id": local_id})
        return SmsReceipt(provider_message_id=f"cap-{local_id}")


@pytest.fixture
def capturing_sms(settings):
    """A non-development SMS backend: stored messages are masked, the provider gets the
    clear text."""
    CapturingBackend.sent = []
    settings.SMS_BACKEND = "tests.accounts.conftest.CapturingBackend"
    return CapturingBackend.sent

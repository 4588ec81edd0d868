"""S-2.2: one-time codes — six digits, two minutes, five tries, throttled, hashed, unlogged."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation

from accounts.models import OneTimeCode, User
from accounts.services import OtpError, OtpThrottled, otp_purge, otp_request, otp_verify
from accounts.tasks import otp_purge_old
from core.models import AuditLog, SmsMessage
from core.redis import redis_client
from tests.accounts.conftest import MOBILE, last_code, other_code
from tests.factories import create_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _persian():
    with translation.override("fa"):
        yield


def test_request_sends_six_digit_code_valid_for_two_minutes():
    before = timezone.now()
    otp = otp_request(mobile="+98 935 123 4567", ip_address="10.0.0.1")
    code = last_code()
    assert len(code) == 6 and code.isdigit()
    assert otp.mobile == MOBILE
    assert otp.attempts == 0 and otp.used_at is None
    assert otp.expires_at - otp.created_at == dt.timedelta(seconds=120)
    assert before <= otp.created_at <= timezone.now()
    assert str(otp.ip_address) == "10.0.0.1"
    sms = SmsMessage.objects.get(to=MOBILE)
    assert sms.kind == "otp" and sms.sensitive is True
    assert sms.body == f"کد ورود شما: {code}\nاعتبار: ۲ دقیقه. این کد را به کسی ندهید."


def test_first_login_creates_user_with_signup_agency(agency):
    otp_request(mobile=MOBILE, agency_id=agency.pk)
    result = otp_verify(mobile="۰۹۳۵۱۲۳۴۵۶۷", code=last_code(), signup_agency=agency)
    assert result.created is True
    user = User.objects.get(mobile=MOBILE)
    assert result.user == user
    assert user.signup_agency == agency
    assert user.mobile_verified_at is not None
    assert not user.has_usable_password()
    audit = AuditLog.objects.get(action="user.signup")
    assert (audit.actor, audit.target_id, audit.agency_id) == (user, str(user.pk), agency.pk)
    assert audit.changes == {"mobile": [None, MOBILE]}
    assert OneTimeCode.objects.get().used_at is not None


def test_login_of_existing_user_keeps_signup_agency(agency, other_agency):
    user = create_user(mobile=MOBILE, signup_agency=agency)
    otp_request(mobile=MOBILE)
    result = otp_verify(mobile=MOBILE, code=last_code(), signup_agency=other_agency)
    assert result.created is False
    assert result.user == user
    user.refresh_from_db()
    assert user.signup_agency == agency
    assert user.mobile_verified_at is not None
    assert User.objects.count() == 3  # the two agency owners and this user
    assert not AuditLog.objects.filter(action="user.signup").exists()


def test_code_accepts_persian_digits():
    otp_request(mobile=MOBILE)
    persian = last_code().translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert otp_verify(mobile=MOBILE, code=persian).created is True


def test_code_works_only_once():
    otp_request(mobile=MOBILE)
    code = last_code()
    otp_verify(mobile=MOBILE, code=code)
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=code)
    assert refused.value.code == "missing"


def test_expired_code_is_refused():
    otp_request(mobile=MOBILE)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=last_code())
    assert refused.value.code == "expired"
    assert refused.value.messages == ["این کد منقضی شده است. کد جدید درخواست کنید."]
    assert not User.objects.filter(mobile=MOBILE).exists()
    assert OneTimeCode.objects.get().used_at is None


def test_code_is_valid_for_exactly_two_minutes(monkeypatch):
    start = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: start)
    otp_request(mobile=MOBILE)
    code = last_code()
    monkeypatch.setattr("django.utils.timezone.now", lambda: start + dt.timedelta(seconds=120))
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=code)
    assert refused.value.code == "expired"
    monkeypatch.setattr("django.utils.timezone.now", lambda: start + dt.timedelta(seconds=119))
    assert otp_verify(mobile=MOBILE, code=code).created is True


def test_five_wrong_tries_lock_the_code_even_for_the_right_one():
    otp_request(mobile=MOBILE)
    code = last_code()
    wrong = other_code(code)
    for left in ("۴", "۳", "۲", "۱"):
        with pytest.raises(OtpError) as refused:
            otp_verify(mobile=MOBILE, code=wrong)
        assert refused.value.code == "wrong"
        assert refused.value.messages == [f"کد درست نیست. {left} بار دیگر می‌توانید تلاش کنید."]
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=wrong)
    assert refused.value.code == "locked"
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=code)
    assert refused.value.code == "locked"
    assert refused.value.messages == ["تعداد تلاش‌های نادرست از حد مجاز گذشت. کد جدید درخواست کنید."]
    otp = OneTimeCode.objects.get()
    assert otp.attempts == settings.OTP_MAX_ATTEMPTS == 5
    assert otp.used_at is None
    assert not User.objects.filter(mobile=MOBILE).exists()


def test_malformed_code_is_refused_without_using_a_try():
    otp_request(mobile=MOBILE)
    for code in ("12345", "1234567", "abcdef", ""):
        with pytest.raises(OtpError) as refused:
            otp_verify(mobile=MOBILE, code=code)
        assert refused.value.code == "invalid"
    assert refused.value.messages == ["کد ۶ رقمی پیامک‌شده را وارد کنید."]
    assert OneTimeCode.objects.get().attempts == 0


def test_no_code_requested():
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code="123456")
    assert refused.value.code == "missing"


def test_invalid_mobile_is_refused_in_persian():
    with pytest.raises(ValidationError) as refused:
        otp_request(mobile="12345")
    assert refused.value.messages == ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."]
    assert not OneTimeCode.objects.exists()
    assert not SmsMessage.objects.exists()


def test_new_request_invalidates_the_previous_code(fixed_codes, no_resend_wait):
    otp_request(mobile=MOBILE)
    first = last_code()
    otp_request(mobile=MOBILE)
    second = last_code()
    assert (first, second) == ("480417", "480418")
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=first)
    assert refused.value.code == "wrong"
    assert OneTimeCode.objects.filter(used_at__isnull=True).count() == 1
    assert otp_verify(mobile=MOBILE, code=second).created is True


def test_codes_of_other_numbers_are_independent(fixed_codes):
    otp_request(mobile=MOBILE)
    mine = last_code()
    otp_request(mobile="09359999999")
    with pytest.raises(OtpError):
        otp_verify(mobile="09359999999", code=mine)
    assert otp_verify(mobile=MOBILE, code=mine).user.mobile == MOBILE


def test_deactivated_user_cannot_log_in():
    create_user(mobile=MOBILE, is_active=False)
    otp_request(mobile=MOBILE)
    with pytest.raises(OtpError) as refused:
        otp_verify(mobile=MOBILE, code=last_code())
    assert refused.value.code == "inactive"
    assert OneTimeCode.objects.get().used_at is not None


# --- throttling ------------------------------------------------------------------------


def _keys() -> list[bytes]:
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return sorted(redis_client().scan_iter(match=f"{prefix}:accounts:otp:*"))


def test_second_request_within_a_minute_is_throttled_and_changes_nothing():
    otp_request(mobile=MOBILE)
    with pytest.raises(OtpThrottled) as refused:
        otp_request(mobile=MOBILE)
    assert refused.value.code == "throttled"
    assert refused.value.retry_after in (59, 60)
    assert refused.value.messages[0].startswith("تعداد درخواست کد بیش از حد مجاز است. لطفاً ")
    assert OneTimeCode.objects.count() == 1
    assert SmsMessage.objects.count() == 1


def test_throttle_counters_live_under_the_cache_key_prefix():
    otp_request(mobile=MOBILE, ip_address="10.0.0.9")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    assert _keys() == sorted(
        f"{prefix}:accounts:otp:{kind}:{value}".encode()
        for kind, value in (("resend", MOBILE), ("mobile", MOBILE), ("ip", "10.0.0.9"))
    )


def test_five_codes_per_number_per_hour(no_resend_wait):
    for index in range(5):
        otp_request(mobile=MOBILE, ip_address=f"10.0.0.{index}")
    with pytest.raises(OtpThrottled) as refused:
        otp_request(mobile=MOBILE, ip_address="10.0.1.1")
    assert 3590 <= refused.value.retry_after <= 3600
    assert OneTimeCode.objects.filter(mobile=MOBILE).count() == 5
    otp_request(mobile="09359999999", ip_address="10.0.1.1")  # another number is not affected


def test_retry_after_is_the_longest_wait(settings):
    settings.OTP_MAX_PER_MOBILE_PER_HOUR = 1
    otp_request(mobile=MOBILE)
    with pytest.raises(OtpThrottled) as refused:
        otp_request(mobile=MOBILE)
    assert 3590 <= refused.value.retry_after <= 3600  # not the one-minute resend wait


def test_codes_per_ip_are_limited(settings):
    settings.OTP_MAX_PER_IP_PER_HOUR = 3
    for index in range(3):
        otp_request(mobile=f"0935000000{index}", ip_address="10.0.0.1")
    with pytest.raises(OtpThrottled):
        otp_request(mobile="09350000009", ip_address="10.0.0.1")
    assert not OneTimeCode.objects.filter(mobile="09350000009").exists()
    # The refused request used up nothing of the number's own allowance.
    otp_request(mobile="09350000009", ip_address="10.0.0.2")
    assert OneTimeCode.objects.filter(mobile="09350000009").count() == 1


def test_verifications_per_ip_are_limited(monkeypatch):
    monkeypatch.setattr("accounts.services.otp.OTP_MAX_VERIFY_PER_IP_PER_HOUR", 3)
    otp_request(mobile=MOBILE)
    code = last_code()
    for _ in range(3):
        with pytest.raises(OtpError) as refused:
            otp_verify(mobile=MOBILE, code=other_code(code), ip_address="10.0.0.1")
        assert refused.value.code == "wrong"
    with pytest.raises(OtpThrottled) as refused:
        otp_verify(mobile=MOBILE, code=code, ip_address="10.0.0.1")
    assert refused.value.messages[0].startswith("تعداد تلاش‌ها بیش از حد مجاز است.")
    assert OneTimeCode.objects.get().attempts == 3
    assert otp_verify(mobile=MOBILE, code=code, ip_address="10.0.0.2").created is True


# --- secrecy ---------------------------------------------------------------------------


def test_code_is_stored_only_hashed(fixed_codes, capturing_sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        otp_request(mobile=MOBILE, ip_address="10.0.0.1")
    code = "480417"
    assert capturing_sms == [
        {
            "to": MOBILE,
            "body": f"کد ورود شما: {code}\nاعتبار: ۲ دقیقه. این کد را به کسی ندهید.",
            "local_id": str(SmsMessage.objects.get().pk),
        }
    ]
    otp = OneTimeCode.objects.get()
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    assert not OneTimeCode.objects.filter(
        Q(code_hash__contains=code) | Q(mobile__contains=code)
    ).exists()
    sms = SmsMessage.objects.get()
    assert (sms.status, sms.body) == (
        "sent",
        "کد ورود شما: ******\nاعتبار: ۲ دقیقه. این کد را به کسی ندهید.",
    )
    otp_verify(mobile=MOBILE, code=code, ip_address="10.0.0.1")
    for row in AuditLog.objects.all():
        assert code not in str(row.changes) and code not in row.actor_label


def test_no_log_record_contains_the_code(fixed_codes, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        otp_request(mobile=MOBILE, ip_address="10.0.0.1")
    code = "480417"
    with pytest.raises(OtpError):
        otp_verify(mobile=MOBILE, code=other_code(code), ip_address="10.0.0.1")
    otp_verify(mobile=MOBILE, code=code, ip_address="10.0.0.1")
    assert SmsMessage.objects.get().status == "sent"
    messages = [record.getMessage() for record in caplog.records]
    assert any("0935***67" in message for message in messages)
    for record in caplog.records:
        assert code not in record.getMessage()
        assert code not in repr(record.args)
        assert MOBILE not in record.getMessage()


def test_old_codes_are_purged_by_the_daily_task():
    otp_request(mobile=MOBILE)
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(days=2))
    otp_request(mobile="09359999999")
    assert otp_purge_old.delay().get() == 1
    assert list(OneTimeCode.objects.values_list("mobile", flat=True)) == ["09359999999"]
    assert otp_purge() == 0  # running again changes nothing

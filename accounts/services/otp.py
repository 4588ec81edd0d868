"""Sign-up and login by SMS one-time code (S-2.2).

A code is six random digits, valid for two minutes, good for at most five tries, and
stored only as a keyed hash. Requests are limited per number (one per minute, five an
hour) and per IP address; verifications per IP address. The code itself never reaches
a log line, an audit row or the database (outside the development SMS outbox).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import OneTimeCode, User
from accounts.utils import localized_number
from core.audit import audit_record
from core.digits import to_latin_digits
from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from core.redis import redis_client
from core.sms import sms_queue
from core.validators import normalize_mobile

if TYPE_CHECKING:
    from redis import Redis
    from redis.commands.core import Script

    from tenants.models import Agency

logger = logging.getLogger(__name__)

# What a refusal for lack of the throttle's counters suggests waiting (Retry-After).
UNAVAILABLE_RETRY_AFTER_SECONDS = 10

# Per-IP limit on verifications: five tries per code already bound the guesses per number;
# this bounds one address spraying codes over many numbers.
OTP_MAX_VERIFY_PER_IP_PER_HOUR = 60


class OtpError(ValidationError):
    """A one-time code was refused; ``code`` says why: ``invalid`` (not six digits),
    ``missing``, ``expired``, ``wrong``, ``locked``, ``inactive``, ``throttled`` or
    ``unavailable``."""


class OtpThrottled(OtpError):
    """Too many requests; ``retry_after`` is the number of seconds to wait."""

    def __init__(self, message: str, *, retry_after: int, code: str = "throttled"):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class OtpUnavailable(OtpThrottled):
    """The throttle's counters (Redis) cannot be reached: refused, since an uncounted
    request could be the millionth. Nothing was sent or changed; try again shortly."""

    def __init__(self) -> None:
        super().__init__(
            _("Logging in is briefly unavailable. Please try again in a moment."),
            retry_after=UNAVAILABLE_RETRY_AFTER_SECONDS,
            code="unavailable",
        )


@dataclass(frozen=True)
class OtpResult:
    user: User
    created: bool


# --- throttling -----------------------------------------------------------------------

# Check every counter first and count the event only if none is full, atomically: a
# refused request uses up nothing, and two concurrent requests cannot both slip through.
# KEYS are counters, ARGV holds (limit, window) per key. Returns the seconds until every
# full counter has emptied (the longest wait), or 0 once the event is counted.
_THROTTLE_LUA = """
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i - 1])
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= limit then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then
      ttl = tonumber(ARGV[2 * i])
      if count > 0 then
        redis.call('EXPIRE', key, ttl)
      end
    end
    wait = math.max(wait, ttl)
  end
end
if wait > 0 then
  return wait
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, tonumber(ARGV[2 * i]))
  end
end
return 0
"""


def _throttle_script() -> Script:
    return _script_for(redis_client())


@cache
def _script_for(client: Redis) -> Script:
    return client.register_script(_THROTTLE_LUA)


def _throttle_key(*parts: str) -> str:
    # Under the cache's KEY_PREFIX, so each environment (and each test database) has its own.
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return ":".join([prefix, "accounts", "otp", *parts])


def _throttle(checks: list[tuple[str, int, int]], message: str) -> None:
    """Count one event against every ``(key, limit, window_seconds)``, or raise
    ``OtpThrottled`` without counting it if any of them is full, or ``OtpUnavailable``
    if the counters cannot be reached. A window of 0 turns that check off."""
    checks = [(key, limit, window) for key, limit, window in checks if window > 0]
    if not checks:
        return
    args: list[int] = []
    for _key, limit, window in checks:
        args += [limit, window]
    try:
        wait = int(_throttle_script()(keys=[key for key, _limit, _window in checks], args=args))
    except REDIS_UNAVAILABLE as error:
        logger.warning("One-time code throttle unavailable (%s): request refused", error)
        raise OtpUnavailable from error
    if wait > 0:
        raise OtpThrottled(message % {"seconds": localized_number(wait)}, retry_after=wait)


def _throttle_request(*, mobile: str, ip_address: str | None) -> None:
    checks = [
        (_throttle_key("resend", mobile), 1, settings.OTP_RESEND_INTERVAL_SECONDS),
        (_throttle_key("mobile", mobile), settings.OTP_MAX_PER_MOBILE_PER_HOUR, 3600),
    ]
    if ip_address:
        checks.append((_throttle_key("ip", ip_address), settings.OTP_MAX_PER_IP_PER_HOUR, 3600))
    _throttle(checks, _("Too many codes requested. Please try again in %(seconds)s seconds."))


def _throttle_verify(*, ip_address: str | None) -> None:
    if not ip_address:
        return
    _throttle(
        [(_throttle_key("verify-ip", ip_address), OTP_MAX_VERIFY_PER_IP_PER_HOUR, 3600)],
        _("Too many attempts. Please try again in %(seconds)s seconds."),
    )


# --- codes ----------------------------------------------------------------------------


def _new_code() -> str:
    length = settings.OTP_LENGTH
    return f"{secrets.randbelow(10**length):0{length}d}"


def _code_hash(mobile: str, code: str) -> str:
    """A keyed hash (HMAC-SHA256 under SECRET_KEY): without the key a stolen table is
    useless, and the number is mixed in so equal codes of two numbers differ."""
    return salted_hmac("accounts.OneTimeCode", f"{mobile}:{code}", algorithm="sha256").hexdigest()


def _mask(mobile: str) -> str:
    return f"{mobile[:4]}***{mobile[-2:]}"


def otp_request(
    *, mobile: str, ip_address: str | None = None, agency_id: int | None = None
) -> OneTimeCode:
    """Send a new code to ``mobile`` by SMS (throttled per number and per IP address).

    Earlier unused codes for the number stop working. Only a keyed hash of the code is
    stored; the SMS leaves on commit through a Celery task. ``agency_id`` is the agency
    whose site asked (for the SMS log and its costs).
    """
    mobile = normalize_mobile(mobile)
    _throttle_request(mobile=mobile, ip_address=ip_address)
    code = _new_code()
    now = timezone.now()
    ttl = settings.OTP_TTL_SECONDS
    with transaction.atomic():
        OneTimeCode.objects.filter(mobile=mobile, used_at__isnull=True).update(used_at=now)
        otp = OneTimeCode.objects.create(
            mobile=mobile,
            code_hash=_code_hash(mobile, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=ttl),
            ip_address=ip_address,
        )
        minutes = max(ttl // 60, 1)
        text = ngettext(
            "Your login code: %(code)s\nValid for %(minutes)s minute. Do not share it.",
            "Your login code: %(code)s\nValid for %(minutes)s minutes. Do not share it.",
            minutes,
        ) % {"code": code, "minutes": localized_number(minutes)}
        sms_queue(to=mobile, body=text, kind="otp", agency_id=agency_id, sensitive_parts=(code,))
    logger.info("One-time code %s sent to %s", otp.pk, _mask(mobile))
    return otp


def otp_verify(
    *,
    mobile: str,
    code: str,
    ip_address: str | None = None,
    signup_agency: Agency | None = None,
) -> OtpResult:
    """Check a code; on success mark it used and return the (possibly new) user.

    Refuses a malformed, expired, used or replaced code, and any code after five wrong
    tries (even the right one). A wrong try is counted even though the call raises, so
    it must not run inside a transaction the caller rolls back. A new user is recorded
    as signed up on ``signup_agency``'s site; a deactivated user is refused.
    """
    mobile = normalize_mobile(mobile)
    code = to_latin_digits(str(code or "")).strip()
    if not re.fullmatch(rf"\d{{{settings.OTP_LENGTH}}}", code):
        raise OtpError(
            _("Enter the %(length)s-digit code sent to you by SMS.")
            % {"length": localized_number(settings.OTP_LENGTH)},
            code="invalid",
        )
    _throttle_verify(ip_address=ip_address)
    now = timezone.now()
    failure: OtpError | None = None
    user: User | None = None
    created = False
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if otp is None:
            failure = OtpError(
                _("No valid code was requested for this number. Request a new code."),
                code="missing",
            )
        elif otp.expires_at <= now:
            failure = OtpError(_("This code has expired. Request a new code."), code="expired")
        elif otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            failure = OtpError(_("Too many wrong tries. Request a new code."), code="locked")
        elif not hmac.compare_digest(otp.code_hash, _code_hash(mobile, code)):
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
            left = settings.OTP_MAX_ATTEMPTS - otp.attempts - 1
            if left <= 0:
                failure = OtpError(_("Too many wrong tries. Request a new code."), code="locked")
            else:
                failure = OtpError(
                    ngettext(
                        "The code is not correct. %(left)s try left.",
                        "The code is not correct. %(left)s tries left.",
                        left,
                    )
                    % {"left": localized_number(left)},
                    code="wrong",
                )
        else:
            OneTimeCode.objects.filter(pk=otp.pk).update(used_at=now)
            user, created = _user_for_verified_mobile(
                mobile=mobile, now=now, signup_agency=signup_agency, ip_address=ip_address
            )
            if not user.is_active:
                failure = OtpError(
                    _("This account is disabled. Please contact support."), code="inactive"
                )
    if failure is not None:
        logger.info("One-time code refused for %s: %s", _mask(mobile), failure.code)
        raise failure
    assert user is not None
    return OtpResult(user=user, created=created)


def _user_for_verified_mobile(
    *, mobile: str, now: dt.datetime, signup_agency: Agency | None, ip_address: str | None
) -> tuple[User, bool]:
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        user = User.objects.create_user(mobile, signup_agency=signup_agency, mobile_verified_at=now)
        audit_record(
            actor=user,
            action="user.signup",
            target=user,
            agency_id=signup_agency.pk if signup_agency is not None else None,
            ip_address=ip_address,
            changes={"mobile": (None, mobile)},
        )
        return user, True
    if user.mobile_verified_at is None:
        User.objects.filter(pk=user.pk).update(mobile_verified_at=now)
        user.mobile_verified_at = now
    return user, False


def otp_purge(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete codes created more than ``older_than`` ago (none of them can still be
    used); returns how many were deleted."""
    cutoff = timezone.now() - older_than
    deleted, _per_model = OneTimeCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted

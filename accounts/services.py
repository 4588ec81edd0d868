"""Sign-up and login by SMS one-time code (S-2.2), profiles and agency memberships (S-4.4)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership, OneTimeCode, User
from core.audit import audit_record
from core.redis import redis_client
from core.sms import sms_queue
from core.validators import normalize_mobile, normalize_national_code

logger = logging.getLogger(__name__)


class OtpError(ValidationError):
    """A one-time code was refused; ``code`` says why (for tests and the API)."""


class OtpThrottled(OtpError):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="throttled")
        self.retry_after = retry_after


def _code_hash(mobile: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"otp:{mobile}:{code}".encode(), hashlib.sha256).hexdigest()


def _mask(mobile: str) -> str:
    return f"{mobile[:4]}***{mobile[-2:]}"


def _hit(key: str, *, limit: int, window: int) -> int | None:
    """Count one event in a fixed window; return seconds to wait if over ``limit``."""
    client = redis_client()
    pipe = client.pipeline()
    pipe.incr(key)
    pipe.expire(key, window, nx=True)
    pipe.ttl(key)
    count, _expire, ttl = pipe.execute()
    if count > limit:
        return max(int(ttl), 1)
    return None


def _throttle_request(*, mobile: str, ip_address: str | None) -> None:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    checks = [
        (f"{prefix}:otp:resend:{mobile}", 1, settings.OTP_RESEND_INTERVAL_SECONDS),
        (f"{prefix}:otp:mobile:{mobile}", settings.OTP_MAX_PER_MOBILE_PER_HOUR, 3600),
    ]
    if ip_address:
        checks.append((f"{prefix}:otp:ip:{ip_address}", settings.OTP_MAX_PER_IP_PER_HOUR, 3600))
    for key, limit, window in checks:
        wait = _hit(key, limit=limit, window=window)
        if wait is not None:
            raise OtpThrottled(
                _("Too many codes requested. Please try again in %(seconds)s seconds.")
                % {"seconds": wait},
                retry_after=wait,
            )


def otp_request(*, mobile: str, ip_address: str | None = None, agency_id: int | None = None) -> OneTimeCode:
    """Send a new six-digit code to ``mobile`` by SMS (throttled per number and per IP).

    Earlier unused codes for the number stop working. Only a keyed hash of the code is stored.
    """
    mobile = normalize_mobile(mobile)
    _throttle_request(mobile=mobile, ip_address=ip_address)
    code = "".join(secrets.choice("0123456789") for _ in range(settings.OTP_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        OneTimeCode.objects.filter(mobile=mobile, used_at__isnull=True).update(used_at=now)
        otp = OneTimeCode.objects.create(
            mobile=mobile,
            code_hash=_code_hash(mobile, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
            ip_address=ip_address,
        )
        text = _("Your login code: %(code)s\nValid for 2 minutes. Do not share it.") % {"code": code}
        sms_queue(to=mobile, body=text, kind="otp", agency_id=agency_id, sensitive_parts=(code,))
    logger.info("One-time code sent to %s", _mask(mobile))
    return otp


@dataclass(frozen=True)
class OtpResult:
    user: User
    created: bool


def _throttle_verify(*, ip_address: str | None) -> None:
    if not ip_address:
        return
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    wait = _hit(f"{prefix}:otp:verify-ip:{ip_address}", limit=60, window=3600)
    if wait is not None:
        raise OtpThrottled(
            _("Too many attempts. Please try again in %(seconds)s seconds.") % {"seconds": wait},
            retry_after=wait,
        )


def otp_verify(
    *, mobile: str, code: str, ip_address: str | None = None, signup_agency: Any = None
) -> OtpResult:
    """Check a code; on success mark it used and return the (possibly new) user.

    Refuses an expired code, a used code, and any code after five wrong tries.
    A new user is recorded as signed up on ``signup_agency``'s site.
    """
    from core.digits import to_latin_digits

    mobile = normalize_mobile(mobile)
    code = to_latin_digits(str(code or "")).strip()
    _throttle_verify(ip_address=ip_address)
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile=mobile, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if otp is None:
            raise OtpError(_("No valid code was requested for this number. Request a new code."), code="missing")
        if otp.expires_at <= now:
            raise OtpError(_("This code has expired. Request a new code."), code="expired")
        if otp.attempts >= settings.OTP_MAX_ATTEMPTS:
            raise OtpError(_("Too many wrong tries. Request a new code."), code="locked")
        if not hmac.compare_digest(otp.code_hash, _code_hash(mobile, code)):
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
            left = settings.OTP_MAX_ATTEMPTS - otp.attempts - 1
            if left <= 0:
                raise OtpError(_("Too many wrong tries. Request a new code."), code="locked")
            raise OtpError(
                _("The code is not correct. %(left)s tries left.") % {"left": left}, code="wrong"
            )
        OneTimeCode.objects.filter(pk=otp.pk).update(used_at=now)
        user, created = User.objects.get_or_create(
            mobile=mobile, defaults={"signup_agency": signup_agency, "mobile_verified_at": now}
        )
        if created:
            audit_record(
                actor=user,
                action="user.signup",
                target=user,
                agency_id=getattr(signup_agency, "pk", None),
                ip_address=ip_address,
            )
        elif user.mobile_verified_at is None:
            User.objects.filter(pk=user.pk).update(mobile_verified_at=now)
    return OtpResult(user=user, created=created)


def user_profile_update(*, user: User, actor: Any, **fields: Any) -> User:
    """Update a profile. Identity fields (name, national code, birth date) are locked once
    the identity is verified; trying to change them then is refused."""
    allowed = {"first_name", "last_name", "national_code", "birth_date", "email"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if "national_code" in fields and fields["national_code"]:
        fields["national_code"] = normalize_national_code(fields["national_code"])
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changes = {}
        for field, value in fields.items():
            old = getattr(locked, field)
            if old == value:
                continue
            if locked.identity_locked and field in User.IDENTITY_FIELDS:
                raise ValidationError(
                    {field: _("This field is verified and can no longer be changed.")},
                    code="identity_locked",
                )
            changes[field] = (old, value)
            setattr(locked, field, value)
        if changes:
            locked.save()
            audit_record(actor=actor, action="user.profile", target=locked, changes=changes)
    return locked


def user_identity_verify(*, user: User, actor: Any) -> User:
    """Mark a user's identity as verified, which locks the identity fields."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.national_code or not locked.first_name or not locked.last_name:
            raise ValidationError(_("Name and national code are needed before verification."))
        if locked.identity_verified_at is None:
            locked.identity_verified_at = timezone.now()
            locked.save(update_fields=["identity_verified_at"])
            audit_record(
                actor=actor,
                action="user.identity_verified",
                target=locked,
                changes={"identity_verified_at": (None, locked.identity_verified_at.isoformat())},
            )
    return locked


def membership_add(*, agency: Any, mobile: str, role: str, actor: Any) -> AgencyMembership:
    """Give a person (created if new) a role in an agency."""
    if role not in AgencyMembership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    with transaction.atomic():
        user, _created = User.objects.get_or_create(mobile=normalize_mobile(mobile))
        membership, created = AgencyMembership.objects.get_or_create(
            user=user, agency=agency, defaults={"role": role}
        )
        if not created and (membership.role != role or not membership.is_active):
            old = membership.role
            membership.role, membership.is_active = role, True
            membership.save(update_fields=["role", "is_active"])
            audit_record(actor=actor, action="membership.update", target=membership,
                         agency_id=agency.pk, changes={"role": (old, role)})
        elif created:
            audit_record(actor=actor, action="membership.add", target=membership,
                         agency_id=agency.pk, changes={"role": (None, role)})
    return membership

"""Every write about people: sign-up and login by SMS one-time code (S-2.2), profiles,
insurer roles and agency memberships (S-4.4)."""

from accounts.services.memberships import (
    membership_active_set,
    membership_add,
    membership_deactivate,
    membership_role_set,
    staff_change_check,
)
from accounts.services.otp import (
    OtpError,
    OtpResult,
    OtpThrottled,
    OtpUnavailable,
    otp_purge,
    otp_request,
    otp_verify,
)
from accounts.services.users import (
    user_identity_verify,
    user_insurer_role_set,
    user_profile_update,
)

__all__ = [
    "OtpError",
    "OtpResult",
    "OtpThrottled",
    "OtpUnavailable",
    "membership_active_set",
    "membership_add",
    "membership_deactivate",
    "membership_role_set",
    "staff_change_check",
    "otp_purge",
    "otp_request",
    "otp_verify",
    "user_identity_verify",
    "user_insurer_role_set",
    "user_profile_update",
]

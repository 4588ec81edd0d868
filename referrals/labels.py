"""Names of the audit actions and system actor of referrals (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import (
    ACTORS,
    AUDIT_ACTION_GROUPS,
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    audit_value_format_register,
)
from tenants.models import Agency


def _agency_status(value: object) -> str:
    return str(dict(Agency.Status.choices).get(str(value), value))


def register() -> None:
    ACTORS.register({"referrals": _("Referral system")})
    AUDIT_ACTION_GROUPS.register(
        {
            "referral": _("Referrals"),
            "offer": _("Offers to agencies"),
            "referral_settings": _("Referral settings"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "referral.advanced": _("Referral moved to its next wave"),
            "referral.accepted": _("Referred order accepted by an agency"),
            "referral.fallen": _("Referred order sent to the virtual branch"),
            "offer.declined": _("Offer declined by an agency"),
            "offer.withdrawn": _("Offer withdrawn: the agency is not active"),
            "referral_settings.updated": _("Referral settings changed"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "referrals.referral.expired_offers": _("Offers expired"),
            "referrals.offer.agency_status": _("Agency's status"),
        }
    )
    audit_value_format_register("referrals.offer", "agency_status", _agency_status)

"""The agency's renewal settings (points per renewal, how far back lapsed policies are looked
for, follow-up calls on or off) and its service staff (who takes renewal calls, who is on
leave): owners and managers change them, audited (decision 045)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from core.digits import localize_digits, number_text
from crm.services.base import agency_write, audit_record
from renewals.models import RenewalSettings, ServiceStaff

SETTINGS_FIELDS = ("points_per_renewal", "lapsed_horizon_days", "followup_enabled")
POINTS_MAX = 1000
# A lapsed policy is one expired more than 48 hours: looking back fewer than three days
# would find none; more than a year is the next renewal's business.
HORIZON_MIN, HORIZON_MAX = 3, 365


def _whole_number(field: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(number_text(value))
    except (TypeError, ValueError) as error:
        raise ValidationError({field: [_("Enter a whole number.")]}) from error
    if not low <= number <= high:
        raise ValidationError(
            {
                field: [
                    localize_digits(
                        _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
                    )
                ]
            }
        )
    return number


def renewal_settings_get() -> RenewalSettings:
    """The agency's single settings row (made by the migration; made again if missing)."""
    settings, _created = RenewalSettings.objects.get_or_create(pk=1)
    return settings


def renewal_settings_update(*, agency: Any, actor: Any, **fields: Any) -> RenewalSettings:
    """Change the agency's renewal settings; audited ``renewal_settings.updated`` with what
    changed. Nothing changed: nothing written. Refused (``ValidationError``, Persian) for a
    value out of range, and (``AgencyNotActive``) for a suspended agency."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"renewal_settings_update cannot change {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    if "points_per_renewal" in fields:
        cleaned["points_per_renewal"] = _whole_number(
            "points_per_renewal", fields["points_per_renewal"], 0, POINTS_MAX
        )
    if "lapsed_horizon_days" in fields:
        cleaned["lapsed_horizon_days"] = _whole_number(
            "lapsed_horizon_days", fields["lapsed_horizon_days"], HORIZON_MIN, HORIZON_MAX
        )
    if "followup_enabled" in fields:
        cleaned["followup_enabled"] = bool(fields["followup_enabled"])
    with agency_write(agency):
        RenewalSettings.objects.get_or_create(pk=1)
        settings = RenewalSettings.objects.select_for_update().get(pk=1)
        changes: dict[str, tuple[Any, Any]] = {}
        for name, value in cleaned.items():
            old = getattr(settings, name)
            if old != value:
                changes[name] = (old, value)
                setattr(settings, name, value)
        if not changes:
            return settings
        settings.save(update_fields=[*changes, "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_settings.updated",
            target=settings,
            changes=changes,
        )
    return settings


def _member_role(agency: Any, user_id: int) -> str | None:
    return (
        AgencyMembership.objects.filter(
            agency_id=agency.pk, user_id=user_id, is_active=True, user__is_active=True
        )
        .values_list("role", flat=True)
        .first()
    )


def service_staff_update(
    *,
    agency: Any,
    actor: Any,
    user_id: int,
    in_pool: bool,
    leave_from: dt.date | None,
    leave_until: dt.date | None,
) -> ServiceStaff:
    """Say whether an active member takes renewal calls and when they are on leave (both
    days included; no end: until further notice). Audited ``renewal_staff.updated``;
    nothing changed: nothing written. Refused (``ValidationError``, Persian) for someone who
    is not an active member of the agency, a leave ending before it starts, or an end
    without a start."""
    if leave_until is not None and leave_from is None:
        raise ValidationError({"leave_from": [_("Enter the first day of the leave too.")]})
    if leave_from is not None and leave_until is not None and leave_until < leave_from:
        raise ValidationError(
            {"leave_until": [_("The last day of the leave is before its first day.")]}
        )
    with agency_write(agency):
        if _member_role(agency, user_id) is None:
            raise ValidationError(_("This person is not an active member of the agency."))
        row, created = ServiceStaff.objects.select_for_update().get_or_create(
            user_id=user_id,
            defaults={"in_pool": in_pool, "leave_from": leave_from, "leave_until": leave_until},
        )
        wanted = {"in_pool": in_pool, "leave_from": leave_from, "leave_until": leave_until}
        if created:
            changes: dict[str, tuple[Any, Any]] = {"user_id": (None, user_id)}
            changes.update({name: (None, value) for name, value in wanted.items()})
        else:
            changes = {
                name: (getattr(row, name), value)
                for name, value in wanted.items()
                if getattr(row, name) != value
            }
            if not changes:
                return row
            for name, (_old, value) in changes.items():
                setattr(row, name, value)
            row.save(update_fields=[*changes, "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="renewal_staff.updated",
            target=row,
            changes=changes,
        )
    return row

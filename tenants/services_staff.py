"""Staff changes an agency makes itself in its panel (S-4.4): the membership rules of
``accounts.services`` (who may give which role, the last owner), run only while the agency
is active, in the same transaction as the check."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership
from accounts.services import (
    membership_active_set,
    membership_add,
    membership_role_set,
    staff_change_check,
)
from core.validators import normalize_mobile
from tenants.services import agency_require_active


def panel_staff_add(
    *, actor_membership: AgencyMembership, mobile: str, role: str
) -> AgencyMembership:
    """An owner or manager adds a person to their agency's staff (a new number gets an
    account). Someone already on the staff (active or not) is changed on the staff page."""
    staff_change_check(actor=actor_membership, role=role)
    mobile = normalize_mobile(mobile)
    agency = actor_membership.agency
    with transaction.atomic():
        agency_require_active(agency_id=agency.pk)
        if AgencyMembership.objects.filter(agency=agency, user__mobile=mobile).exists():
            raise ValidationError(
                {"mobile": _("This person is already on the staff; change their role below.")}
            )
        return membership_add(agency=agency, mobile=mobile, role=role, actor=actor_membership.user)


def panel_staff_role_set(
    *, membership: AgencyMembership, role: str, actor_membership: AgencyMembership
) -> AgencyMembership:
    """Change a member's role from the panel (``accounts.services.membership_role_set``)."""
    with transaction.atomic():
        agency_require_active(agency_id=actor_membership.agency_id)
        return membership_role_set(
            membership=membership, role=role, actor_membership=actor_membership
        )


def panel_staff_active_set(
    *, membership: AgencyMembership, active: bool, actor_membership: AgencyMembership
) -> AgencyMembership:
    """Take someone off the staff or bring them back from the panel
    (``accounts.services.membership_active_set``)."""
    with transaction.atomic():
        agency_require_active(agency_id=actor_membership.agency_id)
        return membership_active_set(
            membership=membership, active=active, actor_membership=actor_membership
        )

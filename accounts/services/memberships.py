"""Who works for which agency, and in which role (owner, manager, staff)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import AgencyMembership, User
from core.audit import audit_record
from core.validators import normalize_mobile

if TYPE_CHECKING:
    from tenants.models import Agency


def _refuse_if_last_owner(membership: AgencyMembership) -> None:
    """An agency always keeps at least one active owner."""
    if membership.role != AgencyMembership.Role.OWNER or not membership.is_active:
        return
    others = (
        AgencyMembership.objects.select_for_update()
        .filter(agency_id=membership.agency_id, role=AgencyMembership.Role.OWNER, is_active=True)
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise ValidationError(
            {"role": _("An agency must keep at least one owner.")}, code="last_owner"
        )


def membership_add(*, agency: Agency, mobile: str, role: str, actor: Any) -> AgencyMembership:
    """Give a person (an account is created for a new number) a role in an agency, or change
    the role of an existing member (reactivating a former one)."""
    if role not in AgencyMembership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    mobile = normalize_mobile(mobile)
    with transaction.atomic():
        user = User.objects.filter(mobile=mobile).first() or User.objects.create_user(mobile)
        membership, created = AgencyMembership.objects.select_for_update().get_or_create(
            user=user, agency=agency, defaults={"role": role}
        )
        if created:
            audit_record(
                actor=actor,
                action="membership.add",
                target=membership,
                agency_id=agency.pk,
                changes={"role": (None, role), "user": (None, mobile)},
            )
        elif membership.role != role or not membership.is_active:
            if membership.role != role:
                _refuse_if_last_owner(membership)
            changes: dict[str, tuple[Any, Any]] = {}
            if membership.role != role:
                changes["role"] = (membership.role, role)
            if not membership.is_active:
                changes["is_active"] = (False, True)
            membership.role, membership.is_active = role, True
            membership.save(update_fields=["role", "is_active"])
            audit_record(
                actor=actor,
                action="membership.update",
                target=membership,
                agency_id=agency.pk,
                changes=changes,
            )
    return membership


def membership_deactivate(*, membership: AgencyMembership, actor: Any) -> AgencyMembership:
    """Take a person off an agency's staff (the row is kept for the record). The last
    owner cannot be removed."""
    with transaction.atomic():
        locked = AgencyMembership.objects.select_for_update().get(pk=membership.pk)
        if locked.is_active:
            _refuse_if_last_owner(locked)
            locked.is_active = False
            locked.save(update_fields=["is_active"])
            audit_record(
                actor=actor,
                action="membership.deactivate",
                target=locked,
                agency_id=locked.agency_id,
                changes={"is_active": (True, False)},
            )
    return locked


def staff_change_check(
    *, actor: AgencyMembership, role: str, target: AgencyMembership | None = None
) -> None:
    """Who may give which role in the panel: owners anything; managers only staff and
    managers, and never touch an owner; nobody takes themselves off or down."""
    if not actor.can_manage:
        raise ValidationError(_("Only the owner and managers manage the staff."), code="forbidden")
    owner = AgencyMembership.Role.OWNER
    if actor.role != owner and (role == owner or (target is not None and target.role == owner)):
        raise ValidationError(
            {"role": _("Only an owner can appoint or change an owner.")}, code="forbidden"
        )
    if (
        target is not None
        and target.user_id == actor.user_id
        and (role != target.role or not target.is_active)
    ):
        raise ValidationError(
            {"role": _("You cannot change your own role; ask another owner.")},
            code="self",
        )


def membership_role_set(
    *, membership: AgencyMembership, role: str, actor_membership: AgencyMembership
) -> AgencyMembership:
    """Change a member's role in the panel, with the rules of ``staff_change_check``."""
    if role not in AgencyMembership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    staff_change_check(actor=actor_membership, role=role, target=membership)
    if membership.user_id == actor_membership.user_id:
        return membership
    return membership_add(
        agency=membership.agency,
        mobile=membership.user.mobile,
        role=role,
        actor=actor_membership.user,
    )


def membership_active_set(
    *, membership: AgencyMembership, active: bool, actor_membership: AgencyMembership
) -> AgencyMembership:
    """Take someone off the staff, or bring a former member back in their old role."""
    if membership.user_id == actor_membership.user_id:
        raise ValidationError(_("You cannot take yourself off the staff."), code="self")
    staff_change_check(actor=actor_membership, role=membership.role, target=membership)
    if active:
        return membership_add(
            agency=membership.agency,
            mobile=membership.user.mobile,
            role=membership.role,
            actor=actor_membership.user,
        )
    return membership_deactivate(membership=membership, actor=actor_membership.user)

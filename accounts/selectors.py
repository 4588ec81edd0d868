from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import AgencyMembership, User


def memberships_for(*, user: User) -> QuerySet[AgencyMembership]:
    """The active agency memberships of a user, with their agencies."""
    if not user.is_authenticated:
        return AgencyMembership.objects.none()
    return (
        AgencyMembership.objects.filter(user=user, is_active=True)
        .select_related("agency")
        .order_by("agency__code")
    )


def membership_get(*, user: User, agency_id: int) -> AgencyMembership | None:
    """The user's active membership of that agency, or ``None``: the one place a panel
    checks who may act for an agency."""
    if not user.is_authenticated:
        return None
    return (
        AgencyMembership.objects.filter(user=user, agency_id=agency_id, is_active=True)
        .select_related("agency")
        .first()
    )

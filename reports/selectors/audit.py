"""The audit log as insurer staff read it: newest first, narrowed by day, actor, action,
agency and the kind of thing changed."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from core.models import AuditLog
from reports.periods import tehran_midnight
from tenants.models import Agency


def audit_entries(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actor_mobile: str | None = None,
    action_prefix: str | None = None,
    agency_code: int | None = None,
    target_type: str | None = None,
) -> QuerySet[AuditLog]:
    """Audit rows, newest first, each with its actor and ``agency_code`` (the log keeps
    the agency's id only). Dates are whole Tehran days, both included; ``action_prefix``
    matches the start of the action (``control.``)."""
    entries = (
        AuditLog.objects.select_related("actor")
        .annotate(
            agency_code=Subquery(Agency.objects.filter(pk=OuterRef("agency_id")).values("code")[:1])
        )
        .order_by("-created_at", "-id")
    )
    if date_from is not None:
        entries = entries.filter(created_at__gte=tehran_midnight(date_from))
    if date_to is not None:
        entries = entries.filter(created_at__lt=tehran_midnight(date_to + dt.timedelta(days=1)))
    if actor_mobile:
        entries = entries.filter(actor__mobile=actor_mobile)
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    if agency_code is not None:
        entries = entries.filter(agency_id__in=Agency.objects.filter(code=agency_code).values("pk"))
    if target_type:
        entries = entries.filter(target_type=target_type)
    return entries

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Agency


def agency_list(*, status: str | None = None) -> QuerySet[Agency]:
    agencies = Agency.objects.select_related("branch")
    return agencies.filter(status=status) if status else agencies


def agency_get_by_code(*, code: int) -> Agency | None:
    return Agency.objects.filter(code=code).first()

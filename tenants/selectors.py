from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Agency


def agency_list(*, status: str | None = None) -> QuerySet[Agency]:
    agencies = Agency.objects.select_related("branch")
    return agencies.filter(status=status) if status else agencies


def agency_get_by_code(*, code: int) -> Agency | None:
    return Agency.objects.filter(code=code).first()


def agency_directory(*, limit: int) -> list[dict]:
    """Active agencies for the main site's directory, with their site addresses."""
    from tenants.hosts import agency_site_url

    agencies = Agency.objects.filter(status=Agency.Status.ACTIVE).order_by("code")[:limit]
    return [
        {
            "code": a.code,
            "name": a.name,
            "city": a.city,
            "kind": a.get_kind_display(),
            "url": agency_site_url(a),
        }
        for a in agencies.only("code", "name", "city", "kind")
    ]

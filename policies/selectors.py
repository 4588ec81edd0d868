"""Reads of the sale that more than one caller uses (the only place agency filters are written)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from policies.models import AgencyLine, Line, TariffVersion


def lines_for_site(*, agency: Any) -> QuerySet[Line]:
    """The lines on sale on a site: every active line with an active tariff, and on an agency
    site only those the insurer allows it and it chooses to offer."""
    lines = Line.objects.filter(is_active=True).filter(
        Exists(
            TariffVersion.objects.filter(line=OuterRef("pk"), status=TariffVersion.Status.ACTIVE)
        )
    )
    if agency is not None:
        lines = lines.exclude(
            Exists(
                AgencyLine.objects.filter(line=OuterRef("pk"), agency=agency).filter(
                    Q(allowed=False) | Q(offered=False)
                )
            )
        )
    return lines.order_by("position", "id")


def line_sellable(*, line: Line, agency: Any) -> bool:
    return lines_for_site(agency=agency).filter(pk=line.pk).exists()


def line_get_for_site(*, code: str, agency: Any) -> Line | None:
    return lines_for_site(agency=agency).filter(code=code).first()


def tariff_version_active(*, line: Line) -> TariffVersion | None:
    return TariffVersion.objects.filter(line=line, status=TariffVersion.Status.ACTIVE).first()

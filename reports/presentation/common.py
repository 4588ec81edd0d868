"""Cells and labels the report pages share."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.digits import localize_digits
from reports.selectors import AgencyRef
from tenants.models import Agency


def virtual_branch_label() -> str:
    return _("Virtual branch (main site)")


def agency_cells(agency: AgencyRef | None) -> list[Any]:
    """The agency code and name columns (the virtual branch has no code)."""
    if agency is None:
        return [None, virtual_branch_label()]
    return [str(agency.code), agency.name]


def kind_label(kind: str) -> str:
    return str(Agency.Kind(kind).label) if kind in Agency.Kind.values else kind


def chart_labels(labels: list[str]) -> list[str]:
    """Labels of a chart's axis in the page's digits."""
    return [localize_digits(label) for label in labels]

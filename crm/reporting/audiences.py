"""Each CRM report (but the per-region totals) as an audience of bulk SMS (issue 13): the
customers of its rows, for the same filters the report takes (``first``, ``last``, ``days``,
``band``, ``min_renewals``, ``min_years``, ``today`` — any left out take the report's
defaults). ``crm.selectors.audiences.audience_customer_ids`` keeps those an SMS may reach."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from crm.reporting.catalog import REPORTS, Report
from crm.reporting.forms import ReportFilter
from crm.selectors.audiences import audience_register


def report_customer_ids(report: Report) -> Callable[..., QuerySet[Any]]:
    """The selector of ``report``'s audience: its filters in, its customers' ids out."""

    def customer_ids(**filters: Any) -> QuerySet[Any]:
        defaults = ReportFilter(
            None, fields=report.filters, default_days=report.default_days
        ).selection(today=filters.get("today"))
        selection = dataclasses.replace(defaults, **filters)
        return report.query(selection).values(report.customer_key)

    return customer_ids


def audiences_register() -> None:
    for report in REPORTS.values():
        if report.audience:
            audience_register(f"report:{report.key}", report.title, report_customer_ids(report))

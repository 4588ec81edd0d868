"""The renewal calls section of ``make bench`` (benchmarks/renewals_pages.py) at a tiny
scale, so that its SQL and its measures keep working as the models change."""

from __future__ import annotations

import pytest

from benchmarks import renewals_pages as section
from benchmarks._report import Report
from renewals.models import CallResult, WorkItem
from tenants.models import Agency
from tests.renewals.conftest import inside

pytestmark = pytest.mark.django_db


def test_the_section_runs_at_a_tiny_scale(monkeypatch):
    monkeypatch.setattr(section, "ITEMS", 60)
    monkeypatch.setattr(section, "STAFF", 3)
    monkeypatch.setattr(section, "ROUNDS", 5)
    monkeypatch.setattr(section, "TARGET_SECONDS", 5.0)
    report = Report(section=section.TITLE)
    section.run(report)
    rows = {row.measure.split(" (")[0].split(":")[0]: row for row in report.rows}
    for measure in ("Staff list page", "Recording a result"):
        assert measure in rows, measure
    assert all(row.passed is not False for row in report.rows), report.rows
    agency = Agency.objects.order_by("-pk").first()
    with inside(agency):
        assert WorkItem.objects.count() == 60
        assert set(WorkItem.objects.values_list("state", flat=True)) == {"open"}
        # Every timed POST recorded exactly one result.
        assert CallResult.objects.count() == 5 + 2
        assert WorkItem.objects.filter(last_result="not_reachable").count() == 7

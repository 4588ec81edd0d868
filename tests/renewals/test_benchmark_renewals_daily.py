"""The renewal lists' section of ``make bench`` (benchmarks/renewals_daily.py) at a tiny
scale, so that its generator, its SQL count of eligible policies and its real workers keep
working as the builders and the distribution change."""

from __future__ import annotations

import pytest

from accounts.models import AgencyMembership
from benchmarks import renewals_daily as section
from benchmarks._report import Report
from renewals.services import clock
from renewals.services.engine import renewals_day_run
from tests.crm.conftest import inside


@pytest.mark.django_db
def test_the_generated_agency_gets_exactly_the_items_the_rules_count(agency):
    day = clock.today()
    sizes = section.Sizes(scale=1, agencies=1, customers=60, policies=1500, workers=1)
    section.sms._fill([agency], sizes.sms(), day)
    staff, _seconds = section._shape([agency], day)
    assert staff == section.STAFF_MIN
    assert (
        AgencyMembership.objects.filter(agency=agency, role="staff", is_active=True).count()
        == staff
    )
    due = section._counts([agency], day, day)[agency.pk]
    assert due.renewal == due.lapsed == 0
    assert due.renewal_due > 50 and due.lapsed_due > 30
    with inside(agency):
        result = renewals_day_run(agency=agency, day=day)
    count = section._counts([agency], day, day)[agency.pk]
    assert (count.renewal, count.lapsed) == (due.renewal_due, due.lapsed_due)
    # The generated book is other insurers' policies: no follow-up calls (decision 044).
    assert result.built == {"renewal": count.renewal, "lapsed": count.lapsed, "followup": 0}
    assert count.doubled == count.waiting == 0
    fairness = section._fairness([agency])
    assert fairness.runs == 3 and fairness.items == count.renewal + count.lapsed
    assert fairness.spread <= 1 and fairness.wrong == fairness.twice == fairness.left == 0
    assert section._verified([agency]) == (3, 3)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_section_runs_at_a_tiny_scale(monkeypatch, drop_schemas_after):
    monkeypatch.setenv("BENCH_RENEWALS_SCALE", "0.002")
    monkeypatch.setenv("BENCH_RENEWALS_WORKERS", "2")
    report = Report(section=section.TITLE)
    section.run(report)
    rows = {row.measure.split(":")[0]: row for row in report.rows}
    for measure in (
        "Generate by SQL",
        "The day's build and distribution",
        "The day's run",
        "The beat again the same day",
        "The next day, SIGKILL of the worker mid-run, fresh worker, fan-out again",
        "Fairness proof",
    ):
        assert measure in rows, measure
    judged = [row for row in report.rows if row.passed is not None]
    assert len(judged) == 5
    assert all(row.passed for row in judged), [(r.measure, r.value) for r in judged]
    items, eligible, doubled, twice, spread = rows[
        "The next day, SIGKILL of the worker mid-run, fresh worker, fan-out again"
    ].value.split(" / ")
    assert int(items.replace(",", "")) > 0 and items == eligible and doubled == twice == "0"

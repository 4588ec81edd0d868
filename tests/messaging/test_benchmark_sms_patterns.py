"""The SMS patterns section of ``make bench`` (benchmarks/sms_patterns.py) at a tiny scale, so
that its generator, its SQL count of who is due and its real workers keep working as the
patterns and the outbox change."""

from __future__ import annotations

import pytest

from benchmarks import sms_patterns as section
from benchmarks._report import Report
from crm.models import BookPolicy, Customer
from messaging.patterns.models import SmsPattern
from messaging.patterns.run import pattern_preview
from tests.crm.conftest import inside


@pytest.mark.django_db
def test_the_generated_agency_is_due_exactly_what_the_app_s_preview_finds(agency):
    day = section._run_date()
    sizes = section.Sizes(scale=1, agencies=1, customers=2000, policies=1500, workers=1)
    section._fill([agency], sizes, day)
    due = section._due([agency], day)[agency.pk]
    with inside(agency):
        assert Customer.objects.count() == 2000
        assert BookPolicy.objects.count() == 1500
        for customer in Customer.objects.all()[:50]:
            for name in ("first_name", "last_name"):
                value = getattr(customer, name)
                assert value == Customer._meta.get_field(name).normalize(value)
        pattern = SmsPattern.objects.get(is_active=True)
        preview = pattern_preview(agency=agency, pattern=pattern, run_date=day, limit=10_000)
    # Generated rows the app reads as it would its own: every due policy is found, the
    # template has every value it needs (no "missing"), consent and mobiles decide the rest.
    assert due.sending > 0 and due.subjects > due.sending
    assert preview.sending == due.sending
    assert preview.sending + sum(preview.skipped.values()) == due.subjects
    assert "missing" not in preview.skipped
    assert 0 < due.customers <= due.sending


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_section_runs_at_a_tiny_scale(monkeypatch, drop_schemas_after):
    monkeypatch.setenv("BENCH_SMS_SCALE", "0.002")
    monkeypatch.setenv("BENCH_SMS_WORKERS", "2")
    report = Report(section=section.TITLE)
    section.run(report)
    rows = {row.measure.split(":")[0]: row for row in report.rows}
    for measure in (
        "Generate by SQL",
        "The day's run",
        "The same day again",
        "SIGKILL of the worker mid-run, fresh worker, fan-out again",
        "Drain through the sandbox, SIGKILL mid-drain, fresh worker",
        "Drain",
    ):
        assert measure in rows, measure
    judged = [row for row in report.rows if row.passed is not None]
    assert len(judged) == 5
    assert all(row.passed for row in judged), [(r.measure, r.value) for r in judged]
    messages, lost, doubled = rows[
        "SIGKILL of the worker mid-run, fresh worker, fan-out again"
    ].value.split(" / ")
    assert int(messages.replace(",", "")) > 0 and lost == doubled == "0"

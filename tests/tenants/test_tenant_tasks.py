"""Tenant tasks: the schema is an argument, the work happens in it and nowhere else."""

from __future__ import annotations

import pytest
from django.db import connection

from tenants.content.models import SiteSettings
from tenants.models import Agency
from tenants.tenant_tasks import tenant_fan_out, tenant_task

pytestmark = pytest.mark.django_db

seen: list[str] = []


@tenant_task
def headline_set(schema_name: str, headline: str) -> str:
    """Writes the site's headline in whatever schema it runs in, and says which one."""
    seen.append(connection.schema_name)
    SiteSettings.objects.update_or_create(
        pk=SiteSettings.objects.first().pk, defaults={"headline": headline}
    )
    return connection.schema_name


def _headline(agency: Agency) -> str:
    connection.set_tenant(agency)
    try:
        return SiteSettings.objects.get().headline
    finally:
        connection.set_schema_to_public()


def test_a_task_runs_in_the_schema_it_is_given_and_only_there(agency, other_agency):
    before = _headline(other_agency)
    assert headline_set.delay(agency.schema_name, "سلام").get() == agency.schema_name
    assert _headline(agency) == "سلام"
    assert _headline(other_agency) == before
    assert connection.schema_name == "public"


def test_the_callers_schema_is_restored(agency, other_agency):
    connection.set_tenant(other_agency)
    headline_set.delay(agency.schema_name, "x")
    assert connection.schema_name == other_agency.schema_name


@pytest.mark.parametrize("schema_name", ["public", "ar999999", ""])
def test_a_schema_that_is_no_agency_s_does_nothing(agency, schema_name):
    seen.clear()
    before = _headline(agency)
    assert headline_set.delay(schema_name, "x").get() is None
    assert seen == []
    assert _headline(agency) == before


def test_the_fan_out_sends_one_message_per_active_agency_spread_over_the_window(
    agency, other_agency, agency_factory, monkeypatch
):
    suspended = agency_factory(code=687)
    Agency.objects.filter(pk=suspended.pk).update(status=Agency.Status.SUSPENDED)
    sent = []
    monkeypatch.setattr(
        headline_set, "apply_async", lambda args, kwargs, countdown: sent.append((args, countdown))
    )
    assert tenant_fan_out(headline_set, "y", window_seconds=60) == 2
    assert sent == [((agency.schema_name, "y"), 0.0), ((other_agency.schema_name, "y"), 30.0)]


def test_the_fan_out_runs_each_agency_once(agency, other_agency):
    seen.clear()
    assert tenant_fan_out(headline_set, "z") == 2
    assert sorted(seen) == sorted([agency.schema_name, other_agency.schema_name])
    assert _headline(agency) == _headline(other_agency) == "z"

"""The day's run of an agency (decision 041): every builder, then the distribution of each
kind; exactly once however often and however concurrently it runs."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from renewals.models import DistributionRun, WorkItem
from renewals.services import clock
from renewals.services.day import day_steps
from renewals.services.engine import renewals_day_run
from renewals.tasks import renewals_sweep
from tenants.models import Agency
from tests.renewals.conftest import add_policy, add_staff, inside

DAY = dt.date(2026, 12, 6)
NOW = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC)


def _book(agency, renewals: int, lapsed: int = 0) -> None:
    for index in range(renewals):
        add_policy(agency, end_date=DAY + dt.timedelta(days=index % 26))
    for index in range(lapsed):
        add_policy(agency, end_date=DAY - dt.timedelta(days=3 + index % 50))


def _run(agency, day=DAY, now=NOW):
    with inside(agency):
        return renewals_day_run(agency=agency, day=day, now=now)


def _state(agency) -> list[tuple]:
    with inside(agency):
        return list(
            WorkItem.objects.order_by("pk").values_list(
                "pk", "kind", "book_policy_id", "assigned_to_user_id", "run_id", "state"
            )
        )


def test_the_builders_are_registered_in_order():
    assert [step.key for step in day_steps()][:2] == ["renewal", "lapsed"]


@pytest.mark.django_db
def test_the_day_builds_and_gives_out_once(agency):
    _book(agency, renewals=12, lapsed=5)
    staff = add_staff(agency, 3)
    result = _run(agency)
    assert result.built["renewal"] == 12 and result.built["lapsed"] == 5
    assert result.given_out == {"renewal": 12, "lapsed": 5, "followup": 0}
    state = _state(agency)
    given = Counter(user for *_rest, user, _run_id, _state_ in state)
    assert sorted(given.values()) == [5, 6, 6] and set(given) == set(staff)
    again = _run(agency)
    assert sum(again.built.values()) == 0 and sum(again.given_out.values()) == 0
    assert _state(agency) == state
    with inside(agency):
        assert sorted(DistributionRun.objects.values_list("kind", flat=True)) == [
            "followup",
            "lapsed",
            "renewal",
        ]


@pytest.mark.django_db
def test_a_suspended_agency_builds_nothing(agency):
    _book(agency, renewals=3, lapsed=2)
    add_staff(agency, 2)
    Agency.objects.filter(pk=agency.pk).update(status=Agency.Status.SUSPENDED)
    agency.refresh_from_db()
    result = _run(agency)
    assert result.built == {} and result.given_out == {}
    assert _state(agency) == []
    with inside(agency):
        assert not DistributionRun.objects.exists()


@pytest.mark.django_db
def test_the_day_s_queries_do_not_grow_with_the_book(agency, other_agency):
    _book(agency, renewals=8, lapsed=2)
    _book(other_agency, renewals=160, lapsed=40)
    add_staff(agency, 3)
    add_staff(other_agency, 7)
    counts = []
    for each in (agency, other_agency):
        with inside(each), CaptureQueriesContext(connection) as queries:
            result = renewals_day_run(agency=each, day=DAY, now=NOW)
        assert result.given_out["renewal"] > 0 and result.given_out["lapsed"] > 0
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_the_beat_fans_out_to_active_agencies(agency, other_agency, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: DAY)
    _book(agency, renewals=4)
    _book(other_agency, renewals=3)
    add_staff(agency, 2)
    Agency.objects.filter(pk=other_agency.pk).update(status=Agency.Status.SUSPENDED)
    assert renewals_sweep() == 1
    assert len(_state(agency)) == 4 and all(row[3] for row in _state(agency))
    assert _state(other_agency) == []


@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_make_each_item_and_run_once(drop_schemas_after, agency_factory):
    agency = agency_factory(code=685, name="نمایندگی خلیلی", city="تهران")
    _book(agency, renewals=40, lapsed=15)
    add_staff(agency, 4)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            _run(agency)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    state = _state(agency)
    assert Counter(kind for _pk, kind, *_rest in state) == {"renewal": 40, "lapsed": 15}
    assert len({(kind, policy) for _pk, kind, policy, *_rest in state}) == 55
    assert all(user is not None for *_rest, user, _run_id, _state_ in state)
    with inside(agency):
        assert Counter(DistributionRun.objects.values_list("kind", flat=True)) == {
            "renewal": 1,
            "lapsed": 1,
            "followup": 1,
        }
        runs = {run.pk: run for run in DistributionRun.objects.all()}
    assert {run_id for *_rest, run_id, _state_ in state} <= set(runs)
    connection.set_schema_to_public()


@pytest.mark.django_db
def test_the_demo_shows_lists():
    call_command("catalog_load", verbosity=0)
    call_command("load_demo", verbosity=0)
    call_command("load_crm_demo", verbosity=0)
    call_command("load_renewals_demo", verbosity=0)
    khalili = Agency.objects.get(code=685)
    with inside(khalili):
        items = Counter(
            WorkItem.objects.filter(assigned_to_user_id__isnull=False).values_list(
                "kind", flat=True
            )
        )
        assert items["renewal"] >= 6 and items["lapsed"] >= 2
        count = WorkItem.objects.count()
    call_command("load_renewals_demo", verbosity=0)
    with inside(khalili):
        assert WorkItem.objects.count() == count


def test_the_beat_entry_is_registered(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["build-renewal-lists"]
    assert entry["task"] == "renewals.tasks.renewals_sweep"
    assert entry["schedule"] == 60 * 60

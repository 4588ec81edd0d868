"""A day's items given out at random in equal shares, once, provably (decision 041)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from accounts.models import AgencyMembership
from core.models import AuditLog
from renewals.models import DistributionRun, ServiceStaff, WorkItem
from renewals.services import clock
from renewals.services.build import renewal_items_build
from renewals.services.distribution import distribution_verify, items_distribute, split
from tests.renewals.conftest import add_policy, add_staff, inside, owner_of

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 6)
NOW = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC)  # 07:30 in Tehran


def _items(agency, count: int) -> list[int]:
    for _ in range(count):
        add_policy(agency, end_date=DAY + dt.timedelta(days=25))
    with inside(agency):
        renewal_items_build(agency=agency, day=DAY)
        return list(WorkItem.objects.filter(kind="renewal").values_list("pk", flat=True))


def _distribute(agency, day=DAY, now=NOW) -> DistributionRun | None:
    with inside(agency):
        return items_distribute(agency=agency, kind="renewal", day=day, now=now)


def _given(agency) -> Counter[int]:
    with inside(agency):
        return Counter(
            WorkItem.objects.filter(assigned_to_user_id__isnull=False).values_list(
                "assigned_to_user_id", flat=True
            )
        )


@pytest.mark.parametrize("staff", [1, 2, 3, 5, 7, 20])
def test_the_split_gives_everyone_an_equal_share_within_one(staff):
    pool = list(range(100, 100 + staff))
    for items in [*range(0, 60), 997]:
        for seed in (0, 1, 2**62 + 12345):
            assignment = split(list(range(1, items + 1)), pool, seed)
            assert sorted(assignment) == list(range(1, items + 1))
            counts = Counter(assignment.values())
            shares = [counts.get(user, 0) for user in pool]
            assert max(shares) - min(shares) <= 1, (items, staff, seed)
            assert set(counts) <= set(pool)


def test_the_split_depends_on_the_seed_only():
    items, pool = list(range(1, 41)), [7, 8, 9]
    assert split(items, pool, 42) == split(list(reversed(items)), [9, 7, 8], 42)
    assert split(items, pool, 42) != split(items, pool, 43)
    assert split(items, [], 42) == {}


@pytest.mark.parametrize(("count", "staff"), [(1, 3), (7, 1), (10, 3), (23, 5), (4, 6)])
def test_a_distribution_gives_equal_shares_and_records_them(agency, count, staff):
    ids = _items(agency, count)
    members = add_staff(agency, staff)
    run = _distribute(agency)
    assert run is not None
    given = _given(agency)
    shares = [given.get(user, 0) for user in members]
    assert sum(shares) == count and max(shares) - min(shares) <= 1
    with inside(agency):
        stored = DistributionRun.objects.get()
        assert stored.shares == {str(user): given.get(user, 0) for user in members}
        assert (stored.items, stored.left_unassigned, stored.skipped) == (count, 0, {})
        assert 0 <= stored.seed < 2**63 and stored.seed == run.seed
        for item in WorkItem.objects.filter(pk__in=ids):
            assert (item.run_id, item.assigned_on) == (stored.pk, DAY)
            assert item.due_at == clock.due_at(DAY) and item.next_call_at is None
        assert distribution_verify(stored)
    audit = AuditLog.objects.get(action="renewal_run.distributed", agency_id=agency.pk)
    assert (audit.target_id, audit.actor_id, audit.actor_label) == (str(run.pk), None, "renewals")
    assert '"' + str(members[0]) + '"' in audit.changes["shares"][1]


def test_without_staff_the_items_wait(agency):
    ids = _items(agency, 5)
    run = _distribute(agency)
    assert (run.items, run.left_unassigned, run.shares) == (0, 5, {})
    assert _given(agency) == Counter()
    with inside(agency):
        assert not WorkItem.objects.filter(pk__in=ids, run__isnull=False).exists()
        assert distribution_verify(DistributionRun.objects.get())


def test_the_day_is_given_out_once(agency):
    _items(agency, 9)
    add_staff(agency, 3)
    assert _distribute(agency) is not None
    with inside(agency):
        before = list(WorkItem.objects.order_by("pk").values_list("pk", "assigned_to_user_id"))
    # New items the same day wait for the next day's run.
    _items(agency, 2)
    assert _distribute(agency) is None
    with inside(agency):
        assert DistributionRun.objects.count() == 1
        after = list(WorkItem.objects.order_by("pk").values_list("pk", "assigned_to_user_id"))
    assert after[: len(before)] == before
    assert [user for _pk, user in after[len(before) :]] == [None, None]
    assert AuditLog.objects.filter(action="renewal_run.distributed").count() == 1
    nxt = _distribute(agency, day=DAY + dt.timedelta(days=1))
    assert nxt is not None and nxt.items == 2


def test_tampering_is_found(agency):
    _items(agency, 30)
    members = add_staff(agency, 4)
    _distribute(agency)
    with inside(agency):
        run = DistributionRun.objects.get()
        assert distribution_verify(run)
        item = WorkItem.objects.filter(run=run).first()
        other = next(user for user in members if user != item.assigned_to_user_id)
        # An item moved without a trace.
        WorkItem.objects.filter(pk=item.pk).update(assigned_to_user_id=other)
        assert not distribution_verify(run)
        # Moved by hand, audited: still the fair split it was.
        AuditLog.objects.create(
            action="renewal_item.reassigned",
            target_type="renewals.workitem",
            target_id=str(item.pk),
            agency_id=agency.pk,
        )
        assert distribution_verify(run)
        # Another seed, or shares written over.
        run.refresh_from_db()
        original = run.seed
        run.seed = original + 1
        assert not distribution_verify(run)
        run.seed = original
        run.shares = {
            key: (value + 1 if i == 0 else value)
            for i, (key, value) in enumerate(run.shares.items())
        }
        assert not distribution_verify(run)


def test_staff_on_leave_are_skipped(agency):
    _items(agency, 6)
    away, *present = add_staff(agency, 3)
    with inside(agency):
        ServiceStaff.objects.create(user_id=away, leave_from=DAY, leave_until=DAY)
    run = _distribute(agency)
    assert run.skipped == {str(away): "leave"}
    assert _given(agency) == Counter({present[0]: 3, present[1]: 3})


def test_staff_behind_get_nothing_and_the_others_share_equally(agency):
    _items(agency, 9)
    behind, *others = add_staff(agency, 4)
    late = add_policy(agency, end_date=DAY + dt.timedelta(days=20))
    with inside(agency):
        # Given out yesterday, no result by 17:00 today (``NOW`` is after it).
        WorkItem.objects.create(
            kind="lapsed",
            book_policy=late,
            customer=late.customer,
            line_code=late.line_code,
            created_on=DAY - dt.timedelta(days=1),
            assigned_to_user_id=behind,
            assigned_on=DAY - dt.timedelta(days=1),
            due_at=NOW - dt.timedelta(minutes=1),
        )
    run = _distribute(agency)
    assert run.skipped == {str(behind): "behind"}
    given = _given(agency)
    assert given[behind] == 1  # only yesterday's item
    assert [given[user] for user in others] == [3, 3, 3]


def test_owners_and_managers_take_calls_only_when_put_in(agency):
    _items(agency, 6)
    owner = owner_of(agency).pk
    (manager,) = add_staff(agency, 1, role=AgencyMembership.Role.MANAGER)
    (staff,) = add_staff(agency, 1)
    inactive = add_staff(agency, 1)[0]
    AgencyMembership.objects.filter(user_id=inactive).update(is_active=False)
    (out,) = add_staff(agency, 1)
    with inside(agency):
        ServiceStaff.objects.create(user_id=out, in_pool=False)
    run = _distribute(agency)
    assert set(run.shares) == {str(staff)}
    assert _given(agency) == Counter({staff: 6})
    _items(agency, 6)
    with inside(agency):
        ServiceStaff.objects.create(user_id=owner, in_pool=True)
        ServiceStaff.objects.create(user_id=manager, in_pool=True)
    run = _distribute(agency, day=DAY + dt.timedelta(days=1))
    assert run.shares == {str(owner): 2, str(manager): 2, str(staff): 2}

"""A day's items of a kind given out at random in equal shares (seed 004, decision 041).

The split is reproducible: a random 63-bit seed is drawn and stored with the run; the
items (by id) and the staff pool (by user id) are shuffled with ``random.Random(seed)``,
items first, and item ``i`` goes to staff member ``i mod n``. Shares therefore differ by
at most one, and anyone can recompute the split from the run (``distribution_verify``).

Each (kind, day) is given out once: the run row is inserted with ``ON CONFLICT DO NOTHING``
on its unique (kind, day) in the same transaction as the assignments, before them; a run
that finds the day's row returns ``None`` and moves nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from collections import Counter
from typing import Any

from django.db import connection

from renewals.labels import SYSTEM_ACTOR
from renewals.models import DistributionRun, WorkItem
from renewals.services import clock
from renewals.services.engine import day_write
from renewals.services.pool import staff_pool

_CLAIM = """
INSERT INTO renewals_distributionrun (kind, day, seed, shares, skipped, items,
    left_unassigned, created_at)
SELECT t.kind, %s, t.seed, t.shares::jsonb, %s::jsonb, t.items, t.left_unassigned, now()
FROM unnest(%s::varchar[], %s::bigint[], %s::text[], %s::int[], %s::int[])
    AS t(kind, seed, shares, items, left_unassigned)
ON CONFLICT (kind, day) DO NOTHING
RETURNING kind, id
"""

_ASSIGN = """
UPDATE renewals_workitem w
SET assigned_to_user_id = t.user_id, assigned_on = %s, run_id = t.run_id, due_at = %s,
    next_call_at = NULL, updated_at = now()
FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS t(id, user_id, run_id)
WHERE w.id = t.id
"""


def split(item_ids: list[int], pool: list[int], seed: int) -> dict[int, int]:
    """Item id → user id: the items (ascending) and the pool (ascending) shuffled with one
    ``random.Random(seed)``, items first; item ``i`` of the shuffled list goes to staff
    member ``i mod n``. Empty when the pool is."""
    if not pool:
        return {}
    rng = random.Random(seed)  # noqa: S311 - a fair split, not a secret
    items = sorted(item_ids)
    staff = sorted(pool)
    rng.shuffle(items)
    rng.shuffle(staff)
    return {item: staff[index % len(staff)] for index, item in enumerate(items)}


def _shares(assignment: dict[int, int], pool: list[int]) -> dict[str, int]:
    counts = Counter(assignment.values())
    return {str(user_id): counts.get(user_id, 0) for user_id in sorted(pool)}


def items_distribute(
    *,
    agency: Any,
    kind: str,
    day: dt.date,
    now: dt.datetime | None = None,
    pool: tuple[list[int], dict[str, str]] | None = None,
) -> DistributionRun | None:
    """Give out the open, unassigned items of ``kind`` on the calls list among the day's
    staff pool (``staff_pool``; the caller may pass one it computed for the same day), in
    equal random shares; the run is recorded and audited. ``None`` when the day's run of
    this kind was already taken (nothing moves). With nobody in the pool the run records
    the items as left for later and they wait, unassigned."""
    return kinds_distribute(agency=agency, kinds=[kind], day=day, now=now, pool=pool)[kind]


def kinds_distribute(
    *,
    agency: Any,
    kinds: list[str],
    day: dt.date,
    now: dt.datetime | None = None,
    pool: tuple[list[int], dict[str, str]] | None = None,
) -> dict[str, DistributionRun | None]:
    """``items_distribute`` for several kinds at once, in one transaction and the same
    number of queries as one kind (the day's run gives out every kind this way)."""
    from core.models import AuditLog

    with day_write(agency):
        staff, skipped = pool if pool is not None else staff_pool(agency, day, now)
        waiting: dict[str, list[int]] = {kind: [] for kind in kinds}
        for kind, item_id in (
            WorkItem.objects.select_for_update()
            .filter(
                kind__in=kinds,
                state=WorkItem.State.OPEN,
                queue=WorkItem.Queue.CALLS,
                assigned_to_user_id__isnull=True,
            )
            .order_by("id")
            .values_list("kind", "id")
        ):
            waiting[kind].append(item_id)
        runs: dict[str, DistributionRun] = {}
        assignments: dict[str, dict[int, int]] = {}
        for kind in kinds:
            seed = secrets.randbits(63)
            assignments[kind] = split(waiting[kind], staff, seed)
            runs[kind] = DistributionRun(
                kind=kind,
                day=day,
                seed=seed,
                shares=_shares(assignments[kind], staff),
                skipped=skipped,
                items=len(assignments[kind]),
                left_unassigned=len(waiting[kind]) - len(assignments[kind]),
            )
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM,
                [
                    day,
                    json.dumps(skipped),
                    kinds,
                    [runs[kind].seed for kind in kinds],
                    [json.dumps(runs[kind].shares) for kind in kinds],
                    [runs[kind].items for kind in kinds],
                    [runs[kind].left_unassigned for kind in kinds],
                ],
            )
            claimed = dict(cursor.fetchall())
            ids: list[int] = []
            users: list[int] = []
            run_ids: list[int] = []
            for kind, run_id in claimed.items():
                runs[kind].pk = run_id
                for item_id, user_id in assignments[kind].items():
                    ids.append(item_id)
                    users.append(user_id)
                    run_ids.append(run_id)
            if ids:
                cursor.execute(_ASSIGN, [day, clock.due_at(day), ids, users, run_ids])
        if claimed:
            # One audit row per run; the shares and the skipped as JSON text (the log keeps
            # plain values).
            AuditLog.objects.bulk_create(
                AuditLog(
                    actor=None,
                    actor_label=SYSTEM_ACTOR,
                    action="renewal_run.distributed",
                    target_type=DistributionRun._meta.label_lower,
                    target_id=str(runs[kind].pk),
                    agency_id=agency.pk,
                    changes={
                        "shares": [None, json.dumps(runs[kind].shares)],
                        "skipped": [None, json.dumps(skipped)],
                        "items": [None, runs[kind].items],
                        "left_unassigned": [None, runs[kind].left_unassigned],
                    },
                )
                for kind in kinds
                if kind in claimed
            )
    return {kind: runs[kind] if kind in claimed else None for kind in kinds}


def distribution_verify(run: DistributionRun) -> bool:
    """Whether ``run`` is the fair split its seed says: recomputed from the stored seed,
    the pool (the staff its shares name) and the items it gave out, every share and every
    item's staff member match, but for items re-assigned by hand since (each audited).
    Shares differing by more than one, a changed seed, share or assignee say no."""
    from core.models import AuditLog

    rows = dict(
        WorkItem.objects.filter(run=run).order_by("id").values_list("id", "assigned_to_user_id")
    )
    pool = [int(user_id) for user_id in run.shares]
    counts = list(run.shares.values())
    if rows and not pool:
        return False
    if counts and max(counts) - min(counts) > 1:
        return False
    if sum(counts) != run.items or len(rows) != run.items:
        return False
    expected = split(list(rows), pool, run.seed)
    if _shares(expected, pool) != run.shares:
        return False
    moved = [item_id for item_id, user_id in rows.items() if expected[item_id] != user_id]
    if not moved:
        return True
    agency = getattr(connection, "tenant", None)
    reassigned = set(
        AuditLog.objects.filter(
            agency_id=getattr(agency, "pk", None),
            action="renewal_item.reassigned",
            target_type=WorkItem._meta.label_lower,
            target_id__in=[str(item_id) for item_id in moved],
        ).values_list("target_id", flat=True)
    )
    return all(str(item_id) in reassigned for item_id in moved)

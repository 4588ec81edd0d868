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

from crm.services.base import audit_record
from renewals.labels import SYSTEM_ACTOR
from renewals.models import DistributionRun, WorkItem
from renewals.services import clock
from renewals.services.engine import day_write
from renewals.services.pool import staff_pool

_CLAIM = """
INSERT INTO renewals_distributionrun (kind, day, seed, shares, skipped, items,
    left_unassigned, created_at)
VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, now())
ON CONFLICT (kind, day) DO NOTHING
RETURNING id
"""

_ASSIGN = """
UPDATE renewals_workitem w
SET assigned_to_user_id = t.user_id, assigned_on = %s, run_id = %s, due_at = %s,
    next_call_at = NULL, updated_at = now()
FROM unnest(%s::bigint[], %s::bigint[]) AS t(id, user_id)
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
    with day_write(agency):
        staff, skipped = pool if pool is not None else staff_pool(agency, day, now)
        item_ids = list(
            WorkItem.objects.select_for_update()
            .filter(
                kind=kind,
                state=WorkItem.State.OPEN,
                queue=WorkItem.Queue.CALLS,
                assigned_to_user_id__isnull=True,
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        seed = secrets.randbits(63)
        assignment = split(item_ids, staff, seed)
        shares = _shares(assignment, staff)
        left = len(item_ids) - len(assignment)
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM,
                [kind, day, seed, json.dumps(shares), json.dumps(skipped), len(assignment), left],
            )
            row = cursor.fetchone()
            if row is None:
                return None
            run_id = row[0]
            if assignment:
                ids = list(assignment)
                cursor.execute(
                    _ASSIGN,
                    [day, run_id, clock.due_at(day), ids, [assignment[i] for i in ids]],
                )
        run = DistributionRun(
            pk=run_id,
            kind=kind,
            day=day,
            seed=seed,
            shares=shares,
            skipped=skipped,
            items=len(assignment),
            left_unassigned=left,
        )
        audit_record(
            agency=agency,
            actor=None,
            action="renewal_run.distributed",
            target=run,
            # The audit log keeps plain values: the shares and the skipped as JSON text.
            changes={
                "shares": (None, json.dumps(shares)),
                "skipped": (None, json.dumps(skipped)),
                "items": (None, len(assignment)),
                "left_unassigned": (None, left),
            },
            actor_label=SYSTEM_ACTOR,
        )
    return run


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

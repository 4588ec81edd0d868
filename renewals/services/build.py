"""The day's renewal and lapsed items of an agency, built set-based (decision 041).

Each builder is one ``INSERT … SELECT … ON CONFLICT (kind, book_policy_id) DO NOTHING``: a
policy gets at most one item of a kind however often the day is run, and a day missed is
caught up by the next run (its window reaches back). Values are copied from the policy so
that lists and figures never join the book.

The rules (seed 004, SPEC S-7.2 and S-7.4):

- renewal: a policy of the book (sold here or with another insurer) in force (state
  ``active``), not renewed, whose customer was not merged into another, ending between the
  day and 25 days on.
- lapsed: a policy that ended more than 48 hours ago. A policy is in force to the end of its
  ``end_date``, so on ``day`` it has been expired for more than 48 hours when
  ``end_date <= day - 3`` (on ``end_date + 3`` the 48 hours passed at midnight). It must
  still be neither renewed nor cancelled, not older than the agency's
  ``lapsed_horizon_days``, and not "already handled": no renewal item of it closed as
  renewed, renewed elsewhere or declined because the vehicle was sold. A price refusal is
  not handled: the customer is now uninsured and gets a lapse call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection

from crm.models import BookPolicy
from crm.tenancy import schema_require
from renewals.labels import SYSTEM_ACTOR
from renewals.models import Kind, WorkItem
from renewals.services.engine import day_write

# Policies enter the renewal list this many days before their end (seed 004).
RENEWAL_DAYS_BEFORE = 25
# A policy has lapsed when it ended more than 48 hours ago: ``end_date <= day - 3``.
LAPSED_AFTER_DAYS = 3
# Outcomes of a renewal item that settle the policy: no lapse call after them.
HANDLED_OUTCOMES = (
    WorkItem.Outcome.RENEWED,
    WorkItem.Outcome.RENEWED_ELSEWHERE,
    WorkItem.Outcome.DECLINED_SOLD,
)
DEFAULT_LAPSED_HORIZON_DAYS = 60

_ITEM_COLUMNS = (
    "kind, book_policy_id, customer_id, line_code, end_date, premium, commission, state, "
    "queue, attempts, unanswered_days, last_result, outcome, channel, elsewhere_insurer, "
    "points, created_on, created_at, updated_at"
)
_ITEM_VALUES = (
    "%(kind)s, p.id, p.customer_id, p.line_code, p.end_date, p.premium, p.commission, "
    "'open', 'calls', 0, 0, '', '', '', '', 0, %(day)s, now(), now()"
)

_RENEWAL = f"""
INSERT INTO renewals_workitem ({_ITEM_COLUMNS})
SELECT {_ITEM_VALUES}
FROM crm_bookpolicy p JOIN crm_customer c ON c.id = p.customer_id
WHERE p.end_date BETWEEN %(day)s AND %(last)s
  AND p.state = 'active' AND p.renewed_by_id IS NULL AND c.merged_into_id IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM renewals_workitem w WHERE w.kind = %(kind)s AND w.book_policy_id = p.id)
ORDER BY p.end_date, p.id
ON CONFLICT (kind, book_policy_id) DO NOTHING
"""  # noqa: S608 - constants only

# Policies that lapsed on or before ``last`` (no horizon), not renewed, not cancelled.
_LAPSED_POLICY = """
p.end_date <= %(last)s AND p.state IN ('active', 'expired') AND p.renewed_by_id IS NULL
"""

_AUDIT = """
INSERT INTO {public}.core_auditlog (actor_id, actor_label, action, target_type, target_id,
    agency_id, changes, ip_address, created_at)
SELECT NULL, %(actor)s, %(action)s, 'renewals.workitem', closed.id::text, %(agency)s,
       %(changes)s::jsonb, NULL, now()
FROM closed
"""

# One statement (its parts see one snapshot and all run to completion):
# - the book's policies past their end are marked expired;
# - open renewal items of lapsed policies close as lapsed (at any age: an item left open
#   would keep its staff member "behind" for ever), each audited;
# - the lapsed policies within the horizon and not handled get their lapsed item.
_LAPSED = f"""
WITH expired AS (
    UPDATE crm_bookpolicy SET state = 'expired', state_changed_at = now(), updated_at = now()
    WHERE state = 'active' AND end_date < %(day)s
    RETURNING 1
), closed AS (
    UPDATE renewals_workitem w
    SET state = 'closed', outcome = 'lapsed', closed_at = now(), updated_at = now()
    FROM crm_bookpolicy p
    WHERE w.kind = 'renewal' AND w.state = 'open' AND p.id = w.book_policy_id
      AND {_LAPSED_POLICY}
    RETURNING w.id
), audited AS (
    {_AUDIT}
    RETURNING 1
), added AS (
    INSERT INTO renewals_workitem ({_ITEM_COLUMNS})
    SELECT {_ITEM_VALUES}
    FROM crm_bookpolicy p JOIN crm_customer c ON c.id = p.customer_id
    WHERE {_LAPSED_POLICY}
      AND p.end_date >= %(day)s - COALESCE(
          (SELECT lapsed_horizon_days FROM renewals_renewalsettings WHERE id = 1), %(horizon)s)
      AND c.merged_into_id IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM renewals_workitem w
          WHERE w.book_policy_id = p.id
            AND (w.kind = %(kind)s OR (w.kind = 'renewal' AND w.outcome = ANY(%(handled)s))))
    ORDER BY p.end_date, p.id
    ON CONFLICT (kind, book_policy_id) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM added)
"""  # noqa: S608 - constants only

_CLOSE_CANCELLED = f"""
WITH closed AS (
    UPDATE renewals_workitem w
    SET state = 'closed', outcome = 'cancelled', closed_at = now(), updated_at = now()
    WHERE w.state = 'open' AND w.book_policy_id = ANY(%(ids)s)
    RETURNING w.id
) {_AUDIT}
"""  # noqa: S608 - constants only


def _public() -> str:
    return connection.ops.quote_name(settings.PUBLIC_SCHEMA_NAME)


def _audit_params(agency: Any, action: str, outcome: str) -> dict[str, Any]:
    return {
        "actor": SYSTEM_ACTOR,
        "action": action,
        "agency": agency.pk,
        "changes": json.dumps({"state": ["open", "closed"], "outcome": ["", outcome]}),
    }


def renewal_items_build(*, agency: Any, day: dt.date) -> int:
    """Put the policies ending between ``day`` and 25 days on into the renewal list (those
    of missed days too); returns how many items were added."""
    with day_write(agency), connection.cursor() as cursor:
        cursor.execute(
            _RENEWAL,
            {
                "kind": Kind.RENEWAL.value,
                "day": day,
                "last": day + dt.timedelta(days=RENEWAL_DAYS_BEFORE),
            },
        )
        return cursor.rowcount


def lapsed_items_build(*, agency: Any, day: dt.date) -> int:
    """Mark the book's policies past their end as expired, close the open renewal items of
    lapsed policies as lapsed (audited) and put the lapsed policies within the horizon, not
    handled already, into the lapsed list; returns how many lapsed items were added."""
    params = {
        "kind": Kind.LAPSED.value,
        "day": day,
        "last": day - dt.timedelta(days=LAPSED_AFTER_DAYS),
        "horizon": DEFAULT_LAPSED_HORIZON_DAYS,
        "handled": [outcome.value for outcome in HANDLED_OUTCOMES],
        **_audit_params(agency, "renewal_item.lapsed", WorkItem.Outcome.LAPSED.value),
    }
    with day_write(agency), connection.cursor() as cursor:
        cursor.execute(_LAPSED.format(public=_public()), params)
        return int(cursor.fetchone()[0])


def items_close_cancelled(*, agency: Any, book_ids: Iterable[int]) -> int:
    """Close the open items (every kind) of these cancelled policies as cancelled, each
    audited with the renewal system as actor; returns how many. Runs in the caller's
    transaction (the ledger sync's) whatever the agency's status: it records a fact."""
    schema_require(agency)
    ids = sorted(set(book_ids))
    if not ids:
        return 0
    cancelled = list(
        BookPolicy.objects.filter(pk__in=ids, state=BookPolicy.State.CANCELLED).values_list(
            "pk", flat=True
        )
    )
    if not cancelled:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _CLOSE_CANCELLED.format(public=_public()),
            {
                "ids": cancelled,
                **_audit_params(agency, "renewal_item.closed", WorkItem.Outcome.CANCELLED.value),
            },
        )
        return cursor.rowcount

"""Work items made directly (the engine's build and distribution are another part's), for
the calls pages' and services' tests."""

from __future__ import annotations

import datetime as dt

from crm.models import BookPolicy
from renewals.models import WorkItem
from renewals.services import clock
from tests.renewals.conftest import add_policy, inside


def make_item(
    agency,
    *,
    user_id: int | None,
    policy: BookPolicy | None = None,
    kind: str = "renewal",
    days_left: int = 25,
    given_on: dt.date | None = None,
    **fields,
) -> WorkItem:
    """An open item of ``kind`` given to ``user_id`` today (due 17:00 tomorrow)."""
    today = clock.today()
    given = given_on or today
    if policy is None:
        policy = add_policy(agency, end_date=today + dt.timedelta(days=days_left))
    with inside(agency):
        values = {
            "assigned_to_user_id": user_id,
            "assigned_on": given if user_id else None,
            "due_at": clock.due_at(given) if user_id else None,
            "created_on": given,
            **fields,
        }
        return WorkItem.objects.create(
            kind=kind,
            book_policy=policy,
            customer_id=policy.customer_id,
            line_code=policy.line_code,
            end_date=policy.end_date,
            premium=policy.premium,
            **values,
        )

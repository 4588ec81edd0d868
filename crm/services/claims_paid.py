"""A claim the insurer paid on a policy the agency sold, recorded in its CRM: the ranking's
"claims paid" and loss ratio read ``ClaimRecord`` rows of state ``paid`` (decision 048)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from crm.models import BookPolicy, ClaimRecord
from crm.services.base import SYSTEM_ACTOR, audit_record, normalized
from crm.services.ledger import ledger_policies_sync
from crm.tenancy import schema_require


def paid_claim_record(
    *,
    agency: Any,
    policy_id: int,
    number: str,
    description: str,
    occurred_on: dt.date,
    filed_on: dt.date,
    paid_amount: Decimal,
    paid_on: dt.date,
) -> bool:
    """Record the paid claim ``number`` against the book row of the ledger policy
    ``policy_id`` and its customer (the policy is booked first if its own sync has not run).
    Returns whether a row was written: a second call finds it under the book row's lock and
    writes nothing. Recorded whatever the agency's status: it is the insurer's fact."""
    schema_require(agency)
    if not isinstance(paid_amount, Decimal) or paid_amount < 0:
        raise ValueError(f"paid amount must be a non-negative Decimal, not {paid_amount!r}")
    ledger_policies_sync(agency=agency, policy_ids=[policy_id])
    with transaction.atomic():
        book = (
            BookPolicy.objects.select_for_update()
            .filter(policy_id=policy_id, origin=BookPolicy.Origin.LEDGER)
            .first()
        )
        if book is None:
            return False
        if ClaimRecord.objects.filter(book_policy=book, number=number).exists():
            return False
        record = ClaimRecord.objects.create(
            customer_id=book.customer_id,
            book_policy=book,
            number=number,
            description=normalized(ClaimRecord, "description", description),
            occurred_on=occurred_on,
            filed_at=filed_on,
            paid_amount=paid_amount,
            paid_at=paid_on,
            state=ClaimRecord.State.PAID,
        )
        audit_record(
            agency=agency,
            actor=None,
            actor_label=SYSTEM_ACTOR,
            action="claim.created",
            target=record,
            changes={"number": (None, number), "paid_amount": (None, str(paid_amount))},
        )
    return True

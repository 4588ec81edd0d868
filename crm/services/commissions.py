"""The agency's commission on a policy it sold, copied into its book when settlement fixes it
(``policies.signals.commission_fixed``): the ranking's "commission earned" reads the book,
since crm may not read settlement's tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from crm.models import BookPolicy
from crm.services.base import audit_record
from crm.services.ledger import ledger_policies_sync
from crm.tenancy import schema_require


def book_commission_set(*, agency: Any, policy_id: int, amount: Decimal) -> bool:
    """Record ``amount`` (whole rials) on the book row of the ledger policy ``policy_id``,
    bringing the policy into the book first if its own sync has not run yet. Returns whether
    anything changed: a second call with the same amount writes nothing."""
    schema_require(agency)
    if not isinstance(amount, Decimal) or amount < 0:
        raise ValueError(f"commission must be a non-negative Decimal, not {amount!r}")
    ledger_policies_sync(agency=agency, policy_ids=[policy_id])
    with transaction.atomic():
        book = (
            BookPolicy.objects.select_for_update()
            .filter(policy_id=policy_id, origin=BookPolicy.Origin.LEDGER)
            .first()
        )
        if book is None or book.commission == amount:
            return False
        before = book.commission
        BookPolicy.objects.filter(pk=book.pk).update(commission=amount)
        audit_record(
            agency=agency,
            actor=None,
            action="book.commission_set",
            target=book,
            changes={"commission": (None if before is None else str(before), str(amount))},
        )
    return True

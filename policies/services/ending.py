"""Ending a policy before its term (cancellation at the customer's request, decision 049).

``policy_end`` is called by the flow that decided it (``cancellations``), inside that flow's
transaction: it locks the policy row, refuses a policy that is no longer in force, records the
last day and the refund due, audits, and after commit sends ``policy_cancelled`` for the flow
apps (settlement reverses the sale and claws back the commission; the CRM's book follows).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.dispatch import signal_send_robust
from core.errors import Conflict
from policies.models import Policy
from policies.signals import policy_cancelled


def policy_end(
    *, policy_id: int, last_day: dt.date, refund: Decimal, actor: Any, reason: str = ""
) -> Policy:
    """End the policy on ``last_day`` with ``refund`` rials due to the customer. Must run
    inside a transaction (the caller's); refused for a policy already cancelled or expired,
    or a day outside its period."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("policy_end runs inside the caller's transaction.")
    locked = Policy.objects.select_for_update(of=("self",)).get(pk=policy_id)
    if locked.state != Policy.State.ACTIVE:
        raise Conflict(_("This policy is already cancelled."), code="policy_cancelled")
    if locked.end_date <= last_day:
        raise Conflict(_("This policy has already ended."), code="policy_expired")
    if refund < 0 or refund > locked.premium or refund != refund.to_integral_value():
        raise ValidationError(_("The refund must be whole rials, at most the premium."))
    locked.state = Policy.State.CANCELLED
    locked.cancelled_on = last_day
    locked.cancelled_at = timezone.now()
    locked.refund_amount = refund
    locked.save(update_fields=["state", "cancelled_on", "cancelled_at", "refund_amount"])
    audit_record(
        actor=actor,
        action="policy.cancelled",
        target=locked,
        changes={
            "state": (Policy.State.ACTIVE, Policy.State.CANCELLED),
            "cancelled_on": (None, last_day.isoformat()),
            "refund_amount": (None, str(refund)),
            "reason": (None, reason or None),
        },
        agency_id=locked.agency_id,
    )
    policy_pk = locked.pk
    transaction.on_commit(lambda: _announce(policy_pk))
    return locked


def _announce(policy_id: int) -> None:
    signal_send_robust(
        policy_cancelled,
        name="policy_cancelled",
        sender=Policy,
        about={"policy_id": policy_id},
        policy=Policy.objects.get(pk=policy_id),
    )

"""Settlement listens to the sale: an issued policy gets its commission; a cancelled one's
commission is clawed back (its refund goes into the next batch when the day is built)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.queue import enqueue
from policies.models import Policy
from policies.signals import policy_cancelled, policy_issued


@receiver(policy_issued, dispatch_uid="settlement.policy_issued")
def commission_at_issuance(sender: Any, policy: Policy, **kwargs: Any) -> None:
    """Sent after the issuing transaction committed; the work goes to a worker. Unsent
    (broker down) or failed, the beat task ``commissions_backfill`` computes it later (the
    computation is idempotent: one row per policy)."""
    from settlement.tasks import commission_compute

    enqueue(commission_compute, policy.pk)


@receiver(policy_cancelled, dispatch_uid="settlement.policy_cancelled")
def clawback_at_cancellation(sender: Any, policy: Policy, **kwargs: Any) -> None:
    """Sent after the cancellation committed. The refund's reversal item needs no task: the
    next build of the day's batches takes it (with the clawback, for an agency's policy).
    Unsent or failed, ``commissions_backfill`` computes the clawback later."""
    if policy.agency_id is None:
        return
    from settlement.tasks import commission_clawback

    enqueue(commission_clawback, policy.pk)

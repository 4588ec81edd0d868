"""Settlement listens to the sale: an issued policy gets its commission."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.queue import enqueue
from policies.models import Policy
from policies.signals import policy_issued


@receiver(policy_issued, dispatch_uid="settlement.policy_issued")
def commission_at_issuance(sender: Any, policy: Policy, **kwargs: Any) -> None:
    """Sent after the issuing transaction committed; the work goes to a worker. Unsent
    (broker down) or failed, the beat task ``commissions_backfill`` computes it later (the
    computation is idempotent: one row per policy)."""
    from settlement.tasks import commission_compute

    enqueue(commission_compute, policy.pk)

"""Settlement listens to the sale: an issued policy gets its commission."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from policies.models import Policy
from policies.signals import policy_issued


@receiver(policy_issued, dispatch_uid="settlement.policy_issued")
def commission_at_issuance(sender: Any, policy: Policy, **kwargs: Any) -> None:
    """Sent after the issuing transaction committed. If this fails, the beat task
    ``commissions_backfill`` computes it later (the computation is idempotent)."""
    from settlement.services.commissions import commission_compute

    commission_compute(policy_id=policy.pk)

"""The CRM listens to the sale: a policy an agency sold makes (or updates) the customer and
the book in that agency's schema. Receivers only enqueue (decision 024); the nightly sweep
(``crm_ledger_sweep``) catches any message the broker did not take."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.queue import enqueue
from policies.models import Policy
from policies.signals import policy_issued
from tenants.models import Agency


@receiver(policy_issued, dispatch_uid="crm.policy_issued")
def book_policy_from_ledger(sender: Any, policy: Policy, **kwargs: Any) -> None:
    """Sent after the issuing transaction committed. A main-site policy that no agency sold
    (the virtual branch's) belongs to no agency's CRM."""
    if policy.agency_id is None:
        return
    schema_name = (
        Agency.objects.filter(pk=policy.agency_id).values_list("schema_name", flat=True).first()
    )
    if schema_name is None:
        return
    from crm.tasks import crm_policy_sync

    enqueue(crm_policy_sync, schema_name, policy.pk)

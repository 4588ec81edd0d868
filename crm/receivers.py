"""The CRM listens to the sale: a policy an agency sold makes (or updates) the customer and
the book in that agency's schema. Receivers only enqueue (decision 024); the nightly sweep
(``crm_ledger_sweep``) catches any message the broker did not take."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.queue import enqueue
from policies.models import Policy
from policies.signals import commission_fixed, policy_cancelled, policy_issued
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


@receiver(policy_cancelled, dispatch_uid="crm.policy_cancelled")
def book_policy_cancelled(sender: Any, policy: Policy, **kwargs: Any) -> None:
    """A cancelled policy (decision 049): the same ledger sync brings the book row to
    "cancelled" (a second run changes nothing; the nightly sweep redoes a lost message)."""
    book_policy_from_ledger(sender, policy)


@receiver(commission_fixed, dispatch_uid="crm.commission_fixed")
def book_commission_from_settlement(
    sender: Any, policy_id: int, agency_id: int, amount: Any, **kwargs: Any
) -> None:
    """The commission settlement fixed goes onto the agency's book row (for the ranking)."""
    schema_name = Agency.objects.filter(pk=agency_id).values_list("schema_name", flat=True).first()
    if not schema_name:
        return
    from crm.tasks import crm_commission_set

    enqueue(crm_commission_set, schema_name, policy_id, str(amount))

"""The claims' Celery tasks: thin and idempotent (decision 048)."""

from __future__ import annotations

from celery import shared_task
from django.db import connection
from django.utils import timezone

from core.jalali import tehran
from tenants.tenant_tasks import tenant_task


@shared_task(acks_late=True)
def claims_reminders_send() -> int:
    """Beat, hourly: reminders of missing documents that are due (capped, each sent once)."""
    from claims.services import claim_reminders_send

    return claim_reminders_send()


@tenant_task
def claims_crm_record(schema_name: str, claim_id: int) -> bool:
    """A paid claim into the selling agency's CRM, against the customer and the book policy,
    so the ranking's loss ratio counts it; a second run records nothing."""
    from claims.models import Claim
    from crm.services.claims_paid import paid_claim_record

    claim = Claim.objects.select_related("policy").filter(pk=claim_id, state="paid").first()
    if claim is None or claim.paid_at is None or claim.amount is None:
        return False
    return paid_claim_record(
        agency=connection.tenant,  # type: ignore[attr-defined]
        policy_id=claim.policy_id,
        number=claim.number,
        description=claim.description,
        occurred_on=timezone.localdate(claim.occurred_at, tehran()),
        filed_on=timezone.localdate(claim.filed_at, tehran()),
        paid_amount=claim.amount,
        paid_on=timezone.localdate(claim.paid_at, tehran()),
    )

"""Celery tasks of settlement: thin and safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def commission_compute(policy_id: int) -> bool:
    """Fix the commission of a policy just issued (a second run finds its row and stops)."""
    from settlement.services.commissions import commission_compute as compute

    return compute(policy_id=policy_id) is not None


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def commission_clawback(policy_id: int) -> bool:
    """Take back the commission of a policy just cancelled (a second run finds its row)."""
    from settlement.services.commissions import commission_clawback_compute

    return commission_clawback_compute(policy_id=policy_id) is not None


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def commissions_backfill() -> int:
    """Compute the commissions of issued policies that have none yet, and the clawbacks of
    cancelled ones that have none yet."""
    from settlement.services.commissions import (
        clawbacks_missing,
        commission_clawback_compute,
        commission_compute,
        commissions_missing,
    )

    computed = sum(commission_compute(policy_id=pk) is not None for pk in commissions_missing())
    return computed + sum(
        commission_clawback_compute(policy_id=pk) is not None for pk in clawbacks_missing()
    )


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def commission_statements_build_due() -> int:
    """Build the statements of the Jalali month that ended last, if not built yet."""
    from settlement.services.statements import commission_statements_build_due as build_due

    return len(build_due())


@shared_task(acks_late=True, soft_time_limit=280, time_limit=300)
def settlement_batches_build_due() -> int:
    """Build the settlement batches of the business day that ended last (idempotent: an
    hourly run finds only what arrived since)."""
    from settlement.services.batches import settlement_batches_build_due as build

    return build().items


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def settlement_work_resume() -> int:
    """Queue again exports and confirmation imports that a lost worker left behind (their
    claims make a duplicate delivery harmless)."""
    from settlement.services.confirmations import settlement_confirmations_stale
    from settlement.services.exports import settlement_exports_stale

    exports, confirmations = settlement_exports_stale(), settlement_confirmations_stale()
    for export_id in exports:
        settlement_export_render.delay(export_id)
    for confirmation_id in confirmations:
        settlement_confirmation_apply.delay(confirmation_id)
    return len(exports) + len(confirmations)


# The files of 500,000 items take seconds; the limits leave room for far larger days.
@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def settlement_export_render(export_id: int) -> bool:
    """Write an export's settlement file and its Excel copy."""
    from settlement.services.exports import settlement_export_render as render

    return render(export_id=export_id)


@shared_task(acks_late=True, soft_time_limit=1700, time_limit=1800)
def settlement_confirmation_apply(confirmation_id: int) -> bool:
    """Check the core system's confirmation file and match it with its export."""
    from settlement.services.confirmations import settlement_confirmation_apply as apply

    return apply(confirmation_id=confirmation_id)

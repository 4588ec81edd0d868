"""Commissions (S-5.3): the rate in force for an agency's kind and a line on the issue day,
applied to the policy's net premium (before taxes), in whole rials, once per policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.dispatch import signal_send_robust
from core.jalali import tehran
from core.money import to_rials
from policies.models import Policy, TariffRule
from policies.signals import commission_fixed
from settlement.models import Commission, CommissionClawback, CommissionRate


def commission_rate_for(*, agency_kind: str, line_code: str, on: dt.date) -> CommissionRate | None:
    """The most specific rate in force on ``on``: this kind and line, then this kind on any
    line, then any kind on this line, then any kind on any line; the latest of each."""
    candidates = CommissionRate.objects.filter(
        Q(agency_kind=agency_kind) | Q(agency_kind=""),
        Q(line_code=line_code) | Q(line_code=CommissionRate.ANY_LINE),
        effective_from__lte=on,
    ).order_by("-effective_from", "-id")

    def specificity(rate: CommissionRate) -> tuple[int, int]:
        return (rate.agency_kind == agency_kind, rate.line_code == line_code)

    best: CommissionRate | None = None
    for rate in candidates:  # a handful of rows
        if best is None or (
            rate.agency_kind == agency_kind,
            rate.line_code == line_code,
        ) > specificity(best):
            best = rate
    return best


def net_premium(policy: Policy) -> Decimal:
    """The premium without the taxes of the policy's own tariff version."""
    taxes = set(
        TariffRule.objects.filter(
            version_id=policy.tariff_version_id, kind=TariffRule.Kind.TAX
        ).values_list("code", flat=True)
    )
    tax = sum(
        (Decimal(str(item["amount"])) for item in policy.breakdown if item.get("code") in taxes),
        Decimal(0),
    )
    return policy.premium - tax


def commission_compute(*, policy_id: int) -> Commission | None:
    """Fix the commission of an issued policy (safe to call twice: one row per policy). A
    policy the virtual branch sold on the main site has no agency and no commission."""
    existing = Commission.objects.filter(policy_id=policy_id).first()
    if existing is not None:
        return existing
    policy = Policy.objects.select_related("agency", "line").get(pk=policy_id)
    if policy.agency is None:
        return None
    issued_on = timezone.localtime(policy.issued_at, tehran()).date()
    rate = commission_rate_for(
        agency_kind=policy.agency.kind, line_code=policy.line.code, on=issued_on
    )
    if rate is None:
        return None
    base = net_premium(policy)
    try:
        with transaction.atomic():
            commission = Commission.objects.create(
                policy=policy,
                agency=policy.agency,
                rate=rate,
                percent=rate.percent,
                base=base,
                amount=to_rials(base * rate.percent / Decimal(100)),
                issued_at=policy.issued_at,
            )
            audit_record(
                actor=None,
                actor_label="settlement",
                action="commission.computed",
                target=commission,
                changes={
                    "amount": (None, str(commission.amount)),
                    "percent": (None, str(rate.percent)),
                },
                agency_id=policy.agency_id,
            )
    except IntegrityError:  # computed meanwhile by another caller
        return Commission.objects.get(policy_id=policy_id)
    transaction.on_commit(partial(_commission_announce, commission))
    return commission


def _commission_announce(commission: Commission) -> None:
    """Tell the flow apps (the CRM's book) once the commission row has committed."""
    signal_send_robust(
        commission_fixed,
        name="commission_fixed",
        sender=Policy,
        about={"policy_id": commission.policy_id},
        policy_id=commission.policy_id,
        agency_id=commission.agency_id,
        amount=commission.amount,
    )


def commissions_missing(*, limit: int = 500) -> list[int]:
    """Issued agency policies without a commission yet (a crash between issue and compute)."""
    return list(
        Policy.objects.filter(agency__isnull=False, commission__isnull=True)
        .order_by("issued_at")
        .values_list("id", flat=True)[:limit]
    )


def commission_clawback_compute(*, policy_id: int) -> CommissionClawback | None:
    """Take back the commission's share of a cancelled policy's refund (decision 049):
    ``commission × refund / premium`` in whole rials, negative, dated when the cancellation
    was approved, so it goes on the agency's next statement. Safe to call twice (one row per
    policy); nothing for a policy without a commission, a refund, or not cancelled."""
    existing = CommissionClawback.objects.filter(policy_id=policy_id).first()
    if existing is not None:
        return existing
    policy = Policy.objects.filter(pk=policy_id, state=Policy.State.CANCELLED).first()
    if policy is None or not policy.refund_amount or not policy.premium:
        return None
    commission = Commission.objects.filter(policy_id=policy_id).first()
    if commission is None:
        return None
    share = policy.refund_amount / policy.premium
    try:
        with transaction.atomic():
            clawback = CommissionClawback.objects.create(
                commission=commission,
                policy=policy,
                agency_id=commission.agency_id,
                refund=policy.refund_amount,
                percent=commission.percent,
                base=-to_rials(commission.base * share),
                amount=-to_rials(commission.amount * share),
                issued_at=policy.cancelled_at or timezone.now(),
            )
            audit_record(
                actor=None,
                actor_label="settlement",
                action="commission.clawed_back",
                target=clawback,
                changes={
                    "amount": (None, str(clawback.amount)),
                    "refund": (None, str(clawback.refund)),
                },
                agency_id=commission.agency_id,
            )
    except IntegrityError:  # computed meanwhile by another caller
        return CommissionClawback.objects.get(policy_id=policy_id)
    return clawback


def clawbacks_missing(*, limit: int = 500) -> list[int]:
    """Cancelled agency policies with a refund and a commission but no clawback yet (a lost
    task after ``policy_cancelled``)."""
    return list(
        Policy.objects.filter(
            state=Policy.State.CANCELLED,
            refund_amount__gt=0,
            commission__isnull=False,
            commission_clawback__isnull=True,
        )
        .order_by("cancelled_at")
        .values_list("id", flat=True)[:limit]
    )


def commission_rate_add(
    *, agency_kind: str, line_code: str, percent: Decimal, effective_from: dt.date, actor: Any
) -> CommissionRate:
    """A new rate from a date on; earlier commissions keep the rate they were computed with."""
    with transaction.atomic():
        rate = CommissionRate(
            agency_kind=agency_kind,
            line_code=line_code or CommissionRate.ANY_LINE,
            percent=percent,
            effective_from=effective_from,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        # "*" (every line) is not a slug, and no line is called that.
        rate.full_clean(
            exclude=["line_code"] if rate.line_code == CommissionRate.ANY_LINE else None
        )
        rate.save()
        audit_record(
            actor=actor,
            action="commission_rate.added",
            target=rate,
            changes={
                "agency_kind": (None, rate.agency_kind),
                "line": (None, rate.line_code),
                "percent": (None, str(percent)),
                "from": (None, effective_from.isoformat()),
            },
        )
    return rate

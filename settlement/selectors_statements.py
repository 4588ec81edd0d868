"""Reads of commission statements (S-5.3): lists, lines, payouts and the reconciliation of a
statement with settlement. The agency filter of the panel is written here and nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.languages import english_active
from core.money import RialField
from settlement.models import (
    Commission,
    CommissionClawback,
    CommissionPayout,
    CommissionRate,
    CommissionStatement,
    SettlementBatch,
    SettlementItem,
)
from settlement.selectors import item_confirmed, item_confirmed_amount, item_state

# A policy is settled once its item is in a batch that went to the core system.
SETTLED_BATCH_STATES = (
    SettlementBatch.State.EXPORTED,
    SettlementBatch.State.CONFIRMED,
    SettlementBatch.State.DISCREPANT,
)
_ITEM = "policy__settlement_item__"


def commission_statements(
    *,
    jalali_year: int | None = None,
    jalali_month: int | None = None,
    agency_code: int | None = None,
    state: str | None = None,
) -> QuerySet[CommissionStatement]:
    """Every agency's statements (the insurer's view), newest month first."""
    statements = CommissionStatement.objects.select_related("agency").order_by(
        "-jalali_year", "-jalali_month", "agency__code"
    )
    if jalali_year:
        statements = statements.filter(jalali_year=jalali_year)
    if jalali_month:
        statements = statements.filter(jalali_month=jalali_month)
    if agency_code is not None:
        statements = statements.filter(agency__code=agency_code)
    if state:
        statements = statements.filter(state=state)
    return statements


def commission_statement_get(*, statement_id: int) -> CommissionStatement | None:
    """Any agency's statement, for the insurer's staff."""
    return CommissionStatement.objects.select_related("agency").filter(pk=statement_id).first()


def agency_commission_statements(*, agency: Any) -> QuerySet[CommissionStatement]:
    """The agency's own statements, newest month first."""
    return CommissionStatement.objects.filter(agency=agency).order_by(
        "-jalali_year", "-jalali_month"
    )


def agency_commission_statement_get(
    *, agency: Any, statement_id: int
) -> CommissionStatement | None:
    """One of the agency's own statements; another agency's id finds nothing."""
    return (
        CommissionStatement.objects.select_related("agency")
        .filter(agency=agency, pk=statement_id)
        .first()
    )


def _line_name(prefix: str) -> Any:
    # The line's name in the page's language (its Persian one when it has no other).
    if english_active():
        return Coalesce(NullIf(F(f"{prefix}line__name_en"), Value("")), F(f"{prefix}line__name"))
    return F(f"{prefix}line__name")


def commission_statement_lines(*, statement: CommissionStatement) -> QuerySet:
    """The statement's commissions as rows: policy number, line, issue time, premium, net
    premium, percent and commission, in the order they were issued; then, among them by
    date, the clawbacks of cancelled policies (premium: the refund; amounts negative)."""
    sold = (
        Commission.objects.filter(statement=statement)
        .values("issued_at", "base", "percent", "amount")
        .annotate(
            policy_number=F("policy__number"),
            line_name=_line_name("policy__"),
            premium=F("policy__premium"),
        )
    )
    taken = (
        CommissionClawback.objects.filter(statement=statement)
        .values("issued_at", "base", "percent", "amount")
        .annotate(
            policy_number=F("policy__number"),
            line_name=_line_name("policy__"),
            premium=ExpressionWrapper(-F("refund"), output_field=RialField()),
        )
    )
    return sold.union(taken, all=True).order_by("issued_at", "policy_number")


def commission_statement_payouts(*, statement: CommissionStatement) -> QuerySet[CommissionPayout]:
    return CommissionPayout.objects.filter(statement=statement).select_related("recorded_by")


def commission_rates() -> QuerySet[CommissionRate]:
    """The rate table, newest first within each kind of agency and line."""
    return CommissionRate.objects.select_related("created_by").order_by(
        "agency_kind", "line_code", "-effective_from", "-id"
    )


class Difference:
    """Why a policy of a statement does not agree with settlement."""

    NOT_SETTLED = "not_settled"
    AMOUNT = "amount"
    COMMISSION = "commission"
    CONFIRMED_AMOUNT = "confirmed_amount"
    NOT_CONFIRMED = "not_confirmed"

    LABELS: dict[str, Promise] = {
        NOT_SETTLED: _("Not settled yet"),
        AMOUNT: _("The settled amount is not the premium"),
        COMMISSION: _("The settled commission is not the statement's"),
        CONFIRMED_AMOUNT: _("The core system confirmed a different amount"),
        NOT_CONFIRMED: _("Not confirmed by the core system"),
    }


@dataclass(frozen=True)
class DifferingPolicy:
    policy_number: str
    premium: Decimal
    commission: Decimal
    item_amount: Decimal | None
    item_commission: Decimal | None
    confirmed_amount: Decimal | None
    item_state: str | None
    reasons: tuple[str, ...]

    @property
    def reason_labels(self) -> list[Any]:
        return [Difference.LABELS[reason] for reason in self.reasons]

    @property
    def item_state_label(self) -> Any:
        if self.item_state is None:
            return ""
        return dict(SettlementItem.State.choices).get(self.item_state, self.item_state)


@dataclass(frozen=True)
class Reconciliation:
    """A statement beside settlement: its policies, how many and how much of them are
    settled (in a batch that went to the core system) and confirmed by the core system."""

    policy_count: int
    premium_total: Decimal
    commission_total: Decimal
    settled_count: int
    settled_amount: Decimal
    settled_commission: Decimal
    confirmed_count: int
    confirmed_amount: Decimal
    differing: list[DifferingPolicy] = field(default_factory=list)

    @property
    def unsettled_count(self) -> int:
        return self.policy_count - self.settled_count

    @property
    def reconciles(self) -> bool:
        return (
            not self.differing
            and self.policy_count == self.settled_count == self.confirmed_count
            and self.premium_total == self.settled_amount == self.confirmed_amount
            and self.commission_total == self.settled_commission
        )


def _reasons(row: Mapping[str, Any]) -> tuple[str, ...]:
    if row["item_id"] is None or row["batch_state"] not in SETTLED_BATCH_STATES:
        return (Difference.NOT_SETTLED,)
    reasons = []
    if row["item_amount"] != row["premium"]:
        reasons.append(Difference.AMOUNT)
    if row["item_commission"] != row["amount"]:
        reasons.append(Difference.COMMISSION)
    if row["confirmed_amount"] is not None and row["confirmed_amount"] != row["item_amount"]:
        reasons.append(Difference.CONFIRMED_AMOUNT)
    elif row["item_state"] != SettlementItem.State.CONFIRMED or row["confirmed_amount"] is None:
        reasons.append(Difference.NOT_CONFIRMED)
    return tuple(reasons)


def commission_statement_reconciliation(*, statement: CommissionStatement) -> Reconciliation:
    """The statement's totals beside what settlement holds for its policies, and the policies
    that differ: not settled, settled for another amount or commission, not confirmed, or
    confirmed by the core system for another amount. Two queries, whatever the size."""
    lines = Commission.objects.filter(statement=statement)
    settled = Q(**{f"{_ITEM}batch__state__in": SETTLED_BATCH_STATES})
    # Confirmed means booked by the core system for exactly the amount paid.
    confirmed = settled & item_confirmed(_ITEM)
    totals = lines.aggregate(
        settled_count=Count("pk", filter=settled),
        settled_amount=Sum(f"{_ITEM}amount", filter=settled),
        settled_commission=Sum(f"{_ITEM}commission", filter=settled),
        confirmed_count=Count("pk", filter=confirmed),
        confirmed_amount=Sum(f"{_ITEM}amount", filter=confirmed),
    )
    agreeing = lines.filter(
        confirmed,
        **{f"{_ITEM}amount": F("policy__premium"), f"{_ITEM}commission": F("amount")},
    )
    rows = (
        lines.exclude(pk__in=agreeing.values("pk"))
        .order_by("issued_at", "id")
        .values("amount")
        .annotate(
            policy_number=F("policy__number"),
            premium=F("policy__premium"),
            item_id=F(f"{_ITEM}id"),
            item_amount=F(f"{_ITEM}amount"),
            item_commission=F(f"{_ITEM}commission"),
            item_state=item_state(_ITEM),
            confirmed_amount=item_confirmed_amount(_ITEM),
            batch_state=F(f"{_ITEM}batch__state"),
        )
    )
    differing = [
        DifferingPolicy(
            policy_number=row["policy_number"],
            premium=row["premium"],
            commission=row["amount"],
            item_amount=row["item_amount"],
            item_commission=row["item_commission"],
            confirmed_amount=row["confirmed_amount"],
            item_state=row["item_state"],
            reasons=_reasons(row),
        )
        for row in rows
    ]
    zero = Decimal(0)
    return Reconciliation(
        policy_count=statement.policy_count,
        premium_total=statement.premium_total,
        # Settlement's sale items carry the commissions as computed; clawbacks are reversals.
        commission_total=statement.commission_total - statement.clawback_total,
        settled_count=totals["settled_count"],
        settled_amount=totals["settled_amount"] or zero,
        settled_commission=totals["settled_commission"] or zero,
        confirmed_count=totals["confirmed_count"],
        confirmed_amount=totals["confirmed_amount"] or zero,
        differing=differing,
    )

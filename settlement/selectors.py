"""Reads of settlement that pages share: a day's batches and their totals, exports and their
confirmations, the differences found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.redis import UNAVAILABLE as REDIS_UNAVAILABLE
from settlement.models import (
    SettlementBatch,
    SettlementConfirmation,
    SettlementConfirmationLine,
    SettlementExport,
    SettlementItem,
    SettlementMismatch,
)
from settlement.services.confirmations import progress_key

# ---- what the core system said of an item ---------------------------------------------------
# Items are never rewritten: an item's state is read from the latest confirmation of its
# export (``SettlementExport.confirmation``): not confirmed yet when there is none, missing or
# differing when that confirmation lists the item, confirmed otherwise. ``prefix`` is the
# path from the queried model to the item ("" on items, "policy__settlement_item__" on
# commissions).

ITEM_DIFFERENCES = (SettlementMismatch.Kind.AMOUNT, SettlementMismatch.Kind.POLICY)


def _difference(prefix: str, kinds) -> Exists:
    return Exists(
        SettlementMismatch.objects.filter(
            confirmation_id=OuterRef(f"{prefix}batch__export__confirmation_id"),
            item_id=OuterRef(f"{prefix}pk" if not prefix else f"{prefix}id"),
            kind__in=kinds,
        )
    )


def item_answered(prefix: str = "") -> Q:
    """The item's export has a matched confirmation."""
    return Q(**{f"{prefix}batch__export__confirmation__isnull": False})


def item_missing(prefix: str = "") -> Q:
    return item_answered(prefix) & Q(_difference(prefix, [SettlementMismatch.Kind.MISSING]))


def item_differs(prefix: str = "") -> Q:
    return item_answered(prefix) & Q(_difference(prefix, ITEM_DIFFERENCES))


def item_confirmed(prefix: str = "") -> Q:
    return item_answered(prefix) & ~Q(
        _difference(prefix, [SettlementMismatch.Kind.MISSING, *ITEM_DIFFERENCES])
    )


def item_state(prefix: str = "") -> Case:
    """The item's state as ``SettlementItem.State`` names it (``None`` when there is no item)."""
    State = SettlementItem.State
    return Case(
        When(**{f"{prefix}id__isnull": True}, then=Value(None)),
        When(~item_answered(prefix), then=Value(State.PENDING)),
        When(item_missing(prefix), then=Value(State.MISSING)),
        When(item_differs(prefix), then=Value(State.DIFFERS)),
        default=Value(State.CONFIRMED),
        output_field=CharField(),
    )


def _line(prefix: str):
    return SettlementConfirmationLine.objects.filter(
        confirmation_id=OuterRef(f"{prefix}batch__export__confirmation_id"),
        item_ref=OuterRef(f"{prefix}pk" if not prefix else f"{prefix}id"),
    )


def item_confirmed_amount(prefix: str = "") -> Subquery:
    """The amount the core system booked for the item (``None`` if it did not)."""
    return Subquery(_line(prefix).values("amount")[:1])


def items_with_answer(items: QuerySet[SettlementItem]) -> QuerySet[SettlementItem]:
    """Items with ``answer_state``, ``confirmed_amount`` and ``core_policy_number``."""
    return items.annotate(
        answer_state=item_state(),
        confirmed_amount=item_confirmed_amount(),
        core_policy_number=Subquery(_line("").values("core_policy_number")[:1]),
    )


@dataclass(frozen=True)
class StateTotal:
    state: str
    label: str
    batches: int
    items: int
    amount: Decimal
    commission: Decimal


def day_summary(*, day: dt.date) -> list[StateTotal]:
    """Batches of ``day`` by state, with their items and amounts (one query)."""
    rows: dict[str, dict[str, Any]] = {
        row["state"]: dict(row)
        for row in SettlementBatch.objects.filter(day=day)
        .values("state")
        .annotate(
            batches=Count("id"),
            item_total=Coalesce(Sum("item_count"), 0),
            amount=Coalesce(Sum("total_amount"), Decimal(0)),
            commission=Coalesce(Sum("total_commission"), Decimal(0)),
        )
    }
    totals = []
    for state, label in SettlementBatch.State.choices:
        row = rows.get(state, {})
        totals.append(
            StateTotal(
                state=state,
                label=str(label),
                batches=row.get("batches", 0),
                items=row.get("item_total", 0),
                amount=row.get("amount", Decimal(0)),
                commission=row.get("commission", Decimal(0)),
            )
        )
    return totals


def batches_of_day(*, day: dt.date) -> QuerySet[SettlementBatch]:
    return (
        SettlementBatch.objects.filter(day=day)
        .select_related("agency", "export")
        .order_by("agency__code", "id")
    )


def batches_of_export(*, export: SettlementExport) -> QuerySet[SettlementBatch]:
    return export.batches.select_related("agency").order_by("agency__code", "id")


def batch_get(*, batch_id: int) -> SettlementBatch | None:
    return SettlementBatch.objects.select_related("agency", "export").filter(pk=batch_id).first()


def items_of_batch(*, batch: SettlementBatch) -> QuerySet[SettlementItem]:
    return items_with_answer(batch.items.order_by("id"))


def recent_exports(*, limit: int = 20) -> QuerySet[SettlementExport]:
    return SettlementExport.objects.select_related("created_by").order_by("-created_at")[:limit]


def confirmations_of_export(*, export: SettlementExport) -> QuerySet[SettlementConfirmation]:
    return export.confirmations.select_related("imported_by").order_by("-imported_at", "-id")


def mismatches_of(
    *, confirmation: SettlementConfirmation, kind: str = ""
) -> QuerySet[SettlementMismatch]:
    mismatches = confirmation.mismatches.select_related("item__agency").order_by("kind", "id")
    return mismatches.filter(kind=kind) if kind else mismatches


def confirmation_progress(*, confirmation: SettlementConfirmation) -> int | None:
    """Lines checked so far while a confirmation is being read (kept in the cache, since the
    reading is one transaction nobody else can look into)."""
    if confirmation.state not in (
        SettlementConfirmation.State.QUEUED,
        SettlementConfirmation.State.RUNNING,
    ):
        return None
    try:
        return cache.get(progress_key(confirmation.pk), 0)
    except REDIS_UNAVAILABLE:
        return 0  # the count is shown again once Redis answers

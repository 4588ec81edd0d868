"""Settlement with the core issuing system and the sales network's commissions (S-5.2, S-5.3).
Public schema: the insurer's ledger."""

from settlement.models.batches import (
    SettlementBatch,
    SettlementConfirmation,
    SettlementConfirmationLine,
    SettlementExport,
    SettlementItem,
    SettlementMismatch,
)
from settlement.models.commissions import (
    Commission,
    CommissionClawback,
    CommissionPayout,
    CommissionRate,
    CommissionStatement,
)

__all__ = [
    "Commission",
    "CommissionClawback",
    "CommissionPayout",
    "CommissionRate",
    "CommissionStatement",
    "SettlementBatch",
    "SettlementConfirmation",
    "SettlementConfirmationLine",
    "SettlementExport",
    "SettlementItem",
    "SettlementMismatch",
]

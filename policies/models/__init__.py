"""The sale itself (S-2): catalog and tariffs, quotes, orders, payments, policies."""

from policies.models.catalog import (
    AgencyLine,
    DocumentRequirement,
    Line,
    Question,
    SalesPlan,
    TariffRule,
    TariffVersion,
)
from policies.models.sales import (
    Order,
    OrderDocument,
    Payment,
    Policy,
    PolicySequence,
    Quote,
    SalesEvent,
)

__all__ = [
    "AgencyLine",
    "DocumentRequirement",
    "Line",
    "Order",
    "OrderDocument",
    "Payment",
    "Policy",
    "PolicySequence",
    "Question",
    "Quote",
    "SalesEvent",
    "SalesPlan",
    "TariffRule",
    "TariffVersion",
]

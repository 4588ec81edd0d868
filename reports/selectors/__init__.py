"""Cross-agency reads for the reports (S-5.5) and the audit log.

Every figure is an aggregate over the public schema's ledger, grouped in PostgreSQL (days
in Tehran time): a fixed number of queries however many agencies there are, and never a
query inside an agency's schema. The sales and settlement reports read the days already
summarised from their per-day summaries and only the other days live (decision 060).
"""

from reports.selectors.audit import audit_entries
from reports.selectors.referrals import OfferFigures, ReferralReport, referral_report
from reports.selectors.sales import VIRTUAL_BRANCH, SalesReport, agency_provinces, sales_report
from reports.selectors.settlement import (
    SettlementFigures,
    SettlementReport,
    settlement_report,
)
from reports.selectors.shared import AgencyRef

__all__ = [
    "VIRTUAL_BRANCH",
    "AgencyRef",
    "OfferFigures",
    "ReferralReport",
    "SalesReport",
    "SettlementFigures",
    "SettlementReport",
    "agency_provinces",
    "audit_entries",
    "referral_report",
    "sales_report",
    "settlement_report",
]

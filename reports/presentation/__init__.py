"""What each report page shows: its tables (the Excel file holds the same) and its charts."""

from reports.presentation.referrals import referral_charts, referral_tables
from reports.presentation.sales import sales_charts, sales_tables
from reports.presentation.settlement import settlement_charts, settlement_tables

__all__ = [
    "referral_charts",
    "referral_tables",
    "sales_charts",
    "sales_tables",
    "settlement_charts",
    "settlement_tables",
]

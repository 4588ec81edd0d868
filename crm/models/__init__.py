"""The CRM's tables, all in each agency's schema (decision 026)."""

from crm.models.book import BookPolicy
from crm.models.care import ClaimRecord, Complaint, ContactLog, Gift
from crm.models.contacts import (
    CustomerAddress,
    CustomerEmail,
    CustomerGroupMembership,
    CustomerMerge,
    CustomerPhone,
    CustomerRelation,
)
from crm.models.customers import Customer, jalali_month_day
from crm.models.directory import CrmSettings, CustomerGroup, Marketer, Region
from crm.models.money import Instrument
from crm.models.ranking import CustomerRank, RankingWeights
from crm.models.selling import PanelSale
from crm.models.standing import CustomerStanding
from crm.models.work import Activity, Attachment, Case

__all__ = [
    "Activity",
    "Attachment",
    "BookPolicy",
    "Case",
    "ClaimRecord",
    "Complaint",
    "ContactLog",
    "CrmSettings",
    "Customer",
    "CustomerAddress",
    "CustomerEmail",
    "CustomerGroup",
    "CustomerGroupMembership",
    "CustomerMerge",
    "CustomerPhone",
    "CustomerRank",
    "CustomerRelation",
    "CustomerStanding",
    "Gift",
    "Instrument",
    "Marketer",
    "PanelSale",
    "RankingWeights",
    "Region",
    "jalali_month_day",
]

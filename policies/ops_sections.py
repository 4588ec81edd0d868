"""The virtual branch's sections and who may open each: one table for the ops home's cards
and the ops nav. Each page still enforces its own roles; tests/policies/test_ops_access.py
proves that this table, the nav and the pages agree.

The pages of referrals, settlement and reports live in apps above this one, so their roles are
written here as words rather than imported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.decorators import STAFF_ROLES

# Who may open the pages (acting on them may need a narrower role; the page says so).
BRANCH_ROLES = ("operator", "branch_manager", "admin")
ADMIN_ROLES = ("admin",)


@dataclass(frozen=True)
class OpsSection:
    key: str
    url_name: str
    title: Promise
    description: Promise
    roles: tuple[str, ...]


OPS_SECTIONS: tuple[OpsSection, ...] = (
    OpsSection(
        key="queue",
        url_name="ops:queue",
        title=_("Issuance queue"),
        description=_(
            "Paid orders of agencies without issuing rights: issue, reject with a reason, print."
        ),
        roles=BRANCH_ROLES,
    ),
    OpsSection(
        key="control",
        url_name="ops-control:list",
        title=_("Site and line requests"),
        description=_(
            "Turning an agency's site on or off and restricting its lines: "
            "branch managers ask, operators decide."
        ),
        # The page lists the history to every insurer role; filing and deciding are narrower.
        roles=STAFF_ROLES,
    ),
    OpsSection(
        key="plans",
        url_name="ops-plans:list",
        title=_("Sales plans"),
        description=_(
            "Discounts on lines, submitted by marketing 15 days ahead and approved by an operator."
        ),
        roles=STAFF_ROLES,
    ),
    OpsSection(
        key="referrals",
        url_name="ops-referrals:home",
        title=_("Referrals"),
        description=_("How main-site orders are offered to the nearest agencies, and each record."),
        roles=BRANCH_ROLES,
    ),
    OpsSection(
        key="settlement",
        url_name="ops-settlement:home",
        title=_("Settlement"),
        description=_(
            "Daily batches of online payments, exported to the core system and confirmed."
        ),
        roles=BRANCH_ROLES,
    ),
    OpsSection(
        key="commissions",
        url_name="ops-commissions:home",
        title=_("Commissions"),
        description=_("Commission rates, monthly statements of each agency and their payouts."),
        roles=BRANCH_ROLES,
    ),
    OpsSection(
        key="reports",
        url_name="ops-reports:home",
        title=_("Reports"),
        description=_("Sales, referral times and settlement across every agency."),
        roles=STAFF_ROLES,
    ),
    OpsSection(
        key="record",
        url_name="ops:sales-record",
        title=_("Sales record"),
        description=_("Every step of every sale: who, what, when, from where."),
        roles=BRANCH_ROLES,
    ),
    OpsSection(
        key="audit",
        url_name="ops-audit:list",
        title=_("Audit log"),
        description=_("Every change made by anyone, with its old and new values."),
        roles=BRANCH_ROLES,
    ),
    OpsSection(
        key="admin",
        url_name="admin:index",
        title=_("Administration"),
        description=_("Agencies, catalog, tariffs and users."),
        roles=ADMIN_ROLES,
    ),
)


def ops_sections_for(user: Any) -> list[OpsSection]:
    """The sections ``user`` may open, in the nav's order (none for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [section for section in OPS_SECTIONS if user.has_insurer_role(*section.roles)]

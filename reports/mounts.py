"""What ``reports`` mounts on the ops host: the cross-agency reports and the audit log.
Called from ``ReportsConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES, STAFF_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register


def register() -> None:
    ops_urls_register(prefix="reports/", module="reports.ops_urls")
    ops_urls_register(prefix="audit/", module="reports.ops_audit_urls")
    ops_section_register(
        key="reports",
        url_name="ops-reports:home",
        title=_("Reports"),
        description=_("Sales, referral times and settlement across every agency."),
        roles=STAFF_ROLES,
        position=70,
    )
    ops_section_register(
        key="audit",
        url_name="ops-audit:list",
        title=_("Audit log"),
        description=_("Every change made by anyone, with its old and new values."),
        roles=BRANCH_ROLES,
        position=90,
    )

"""What ``settlement`` mounts on the panel and ops hosts: the agency's commission statements
(owners and managers), and settlement and commissions on the ops host. Called from
``SettlementConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.panel.registry import panel_nav_register, panel_urls_register


def register() -> None:
    panel_urls_register(prefix="commissions/", module="settlement.panel_urls")
    panel_nav_register(
        key="commissions",
        url_name="panel-commissions:list",
        label=_("Commission statements"),
        position=130,
        manage_only=True,
    )

    ops_urls_register(prefix="settlement/", module="settlement.ops_urls")
    ops_urls_register(prefix="commissions/", module="settlement.ops_commission_urls")
    ops_section_register(
        key="settlement",
        url_name="ops-settlement:home",
        title=_("Settlement"),
        description=_(
            "Daily batches of online payments, exported to the core system and confirmed."
        ),
        roles=BRANCH_ROLES,
        position=50,
    )
    ops_section_register(
        key="commissions",
        url_name="ops-commissions:home",
        title=_("Commissions"),
        description=_("Commission rates, monthly statements of each agency and their payouts."),
        roles=BRANCH_ROLES,
        position=60,
    )

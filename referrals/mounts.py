"""What ``referrals`` mounts on the panel and ops hosts: the agency's offers (with the count of
those waiting beside the nav entry) and the referrals of main-site orders on the ops host.
Called from ``ReferralsConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.panel.registry import panel_nav_register, panel_urls_register


def register() -> None:
    panel_urls_register(prefix="offers/", module="referrals.panel_urls")
    panel_nav_register(
        key="offers",
        url_name="panel-offers:list",
        label=_("Offers"),
        position=30,
        badge_url="panel-offers:badge",
    )

    ops_urls_register(prefix="referrals/", module="referrals.ops_urls")
    ops_section_register(
        key="referrals",
        url_name="ops-referrals:home",
        title=_("Referrals"),
        description=_("How main-site orders are offered to the nearest agencies, and each record."),
        roles=BRANCH_ROLES,
        position=40,
    )

"""What ``policies`` mounts on the hosts whose shells ``tenants`` owns: the quote on the
storefront's home; the agency's sales, customers and lines on the panel; the virtual branch's
issuance queue, sales record and sales plans on the ops host. Called from
``PoliciesConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES, STAFF_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.panel.registry import panel_link_register, panel_nav_register, panel_urls_register
from tenants.storefront import home_action_register, policy_action_register


def _orders_to_issue() -> int:
    from policies.selectors_issuance import virtual_branch_orders

    return virtual_branch_orders().count()


def _plans_submitted() -> int:
    from policies.models import SalesPlan

    return SalesPlan.objects.filter(state=SalesPlan.State.SUBMITTED).count()


def register() -> None:
    home_action_register(key="quote", url_name="policies:lines", label=_("Get a premium quote"))
    from policies.services.renewal import renewable

    policy_action_register(
        key="renew",
        label=_("Renew"),
        url_name="policies:policy-renew",
        applies=renewable,
        position=20,
    )

    panel_urls_register(prefix="sales/", module="policies.panel_urls")
    panel_urls_register(prefix="customers/", module="policies.panel_customer_urls")
    panel_urls_register(prefix="settings/lines/", module="policies.panel_lines_urls")
    panel_nav_register(key="sales", url_name="panel-sales:list", label=_("Sales"), position=20)
    panel_nav_register(
        key="customers", url_name="panel-customers:list", label=_("Customers"), position=40
    )
    panel_link_register(
        place="settings",
        key="lines",
        url_name="panel-lines:lines",
        label=_("Lines you offer"),
        manage_only=True,
    )

    ops_urls_register(prefix="", module="policies.ops_urls")
    ops_urls_register(prefix="plans/", module="policies.ops_plans_urls")
    ops_section_register(
        key="queue",
        url_name="ops:queue",
        title=_("Issuance queue"),
        description=_(
            "Paid orders of agencies without issuing rights: issue, reject with a reason, print."
        ),
        roles=BRANCH_ROLES,
        position=10,
        waiting=_orders_to_issue,
        waiting_text=_("%(count)s paid orders waiting to be issued"),
    )
    ops_section_register(
        key="plans",
        url_name="ops-plans:list",
        title=_("Sales plans"),
        description=_(
            "Discounts on lines, submitted by marketing 15 days ahead and approved by an operator."
        ),
        roles=STAFF_ROLES,
        position=30,
        waiting=_plans_submitted,
    )
    ops_section_register(
        key="record",
        url_name="ops:sales-record",
        title=_("Sales record"),
        description=_("Every step of every sale: who, what, when, from where."),
        roles=BRANCH_ROLES,
        position=80,
    )

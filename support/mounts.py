"""Where support plugs into the hosts, the account page and the registries (decision 025),
registered from its ``AppConfig.ready``: the customer's tickets on the storefront and a
"My tickets" section on the account page, the agency's tickets in the panel, and the queues
on the ops host (with the number of tickets waiting for the insurer)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.panel.registry import panel_nav_register, panel_urls_register
from tenants.storefront import account_section_register, storefront_urls_register


def waiting() -> int:
    from support.selectors import waiting_count

    return waiting_count()


def register() -> None:
    from support.account import my_tickets

    storefront_urls_register(prefix="support/", module="support.storefront_urls")
    account_section_register(
        key="tickets",
        title=_("My tickets"),
        template="support/account_section.html",
        context=my_tickets,
        position=60,
    )
    panel_urls_register(prefix="support/", module="support.panel_urls")
    panel_nav_register(
        key="support", url_name="panel-support:list", label=_("Support"), position=125
    )
    ops_urls_register(prefix="support/", module="support.ops_urls")
    ops_section_register(
        key="support",
        url_name="ops-support:queue",
        title=_("Support tickets"),
        description=_(
            "Questions of customers and agencies, in queues by category, with due times."
        ),
        roles=BRANCH_ROLES,
        position=65,
        waiting=waiting,
    )

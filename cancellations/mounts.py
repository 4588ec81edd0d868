"""Where cancellations plugs into the hosts, the account page and the registries (decision 025),
registered from its ``AppConfig.ready``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.storefront import (
    account_section_register,
    policy_action_register,
    storefront_urls_register,
)


def cancellable(policy: Any, today: dt.date) -> bool:
    """An active policy that has not ended (from its own fields: no query)."""
    return policy.state == "active" and policy.end_date > today


def _waiting() -> int:
    from cancellations.selectors import cancellations_waiting

    return cancellations_waiting()


def _section(request: Any) -> dict:
    from cancellations.views import account_section

    return account_section(request)


def register() -> None:
    storefront_urls_register(
        prefix="account/cancellations/", module="cancellations.storefront_urls"
    )
    policy_action_register(
        key="cancel",
        label=_("Request cancellation"),
        url_name="cancellations:request",
        applies=cancellable,
        position=60,
    )
    account_section_register(
        key="cancellations",
        title=_("My cancellation requests"),
        template="cancellations/account_section.html",
        context=_section,
        position=40,
    )
    ops_urls_register(prefix="cancellations/", module="cancellations.ops_urls")
    ops_section_register(
        key="cancellations",
        url_name="ops-cancellations:queue",
        title=_("Cancellations"),
        description=_(
            "Customers' requests to cancel a policy: check the refund, approve or reject."
        ),
        roles=BRANCH_ROLES,
        position=25,
        waiting=_waiting,
        waiting_text=_("%(count)s cancellation requests waiting"),
    )

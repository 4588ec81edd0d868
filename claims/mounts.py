"""Where claims plugs into the hosts, the account page and the registries (decision 025),
registered from its ``AppConfig.ready``."""

from __future__ import annotations


def register() -> None:
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import pgettext_lazy

    import claims.tasks  # noqa: F401 - its Celery tasks
    from claims import labels
    from claims.selectors import claims_waiting_count
    from claims.services import CLAIM_ROLES, policy_claimable
    from claims.views import account_section
    from tenants.ops.registry import ops_section_register, ops_urls_register
    from tenants.panel.registry import panel_nav_register, panel_urls_register
    from tenants.storefront import (
        account_section_register,
        policy_action_register,
        storefront_urls_register,
    )

    labels.register()
    from claims.selectors import policy_has_open_or_paid_claim
    from policies.claim_checks import claim_check_register

    claim_check_register(policy_has_open_or_paid_claim)
    storefront_urls_register(prefix="claims/", module="claims.urls")
    account_section_register(
        key="claims",
        title=_("My claims"),
        template="claims/_account.html",
        context=account_section,
        position=10,
    )
    policy_action_register(
        key="claim",
        label=_("File a claim"),
        url_name="claims:new",
        applies=policy_claimable,
        position=30,
    )
    ops_urls_register(prefix="claims/", module="claims.ops_urls")
    ops_section_register(
        key="claims",
        url_name="ops-claims:queue",
        title=_("Claims"),
        description=_("Claims filed online: documents, assessment, approval and payment."),
        roles=CLAIM_ROLES,
        position=35,
        waiting=claims_waiting_count,
        waiting_text=_("%(count)s claims open"),
    )
    panel_urls_register(prefix="policy-claims/", module="claims.panel_urls")
    panel_nav_register(
        key="policy-claims",
        url_name="panel-claims:list",
        label=pgettext_lazy("panel nav", "Claims"),
        position=45,
    )

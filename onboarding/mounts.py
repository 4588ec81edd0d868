"""Where onboarding plugs into the hosts, the account page and the registries (decision 025),
registered from its ``AppConfig.ready``: the sign-up pages on the storefront (answering on the
main site only) and the applications' queue on the ops host."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import BRANCH_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.storefront import home_action_register, storefront_urls_register


def _applications_waiting() -> int:
    from onboarding.selectors import applications_waiting_count

    return applications_waiting_count()


def register() -> None:
    storefront_urls_register(prefix="agency-signup/", module="onboarding.urls")
    # The insurer's own offer: on the main site's home only (agency sites answer 404).
    home_action_register(
        key="agency-signup",
        url_name="onboarding:home",
        label=_("Become an agent"),
        position=90,
        main_only=True,
    )
    ops_urls_register(prefix="agency-applications/", module="onboarding.ops_urls")
    ops_section_register(
        key="applications",
        url_name="ops-applications:list",
        title=_("Agency applications"),
        description=_(
            "Agents, brokers and marketers who applied: check the licence, approve, reject or "
            "ask for a correction."
        ),
        roles=BRANCH_ROLES,
        position=25,
        waiting=_applications_waiting,
    )

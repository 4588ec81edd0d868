"""Where advice plugs into the hosts, the account page and the registries (decision 025),
registered from its ``AppConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    import advice.tasks  # noqa: F401 - the beat sweep
    from advice import labels
    from advice.account import account_context
    from tenants.panel.registry import panel_nav_register, panel_urls_register
    from tenants.storefront import (
        account_section_register,
        home_action_register,
        storefront_urls_register,
    )

    labels.register()
    storefront_urls_register(prefix="advice/", module="advice.urls")
    home_action_register(
        key="advice", url_name="advice:new", label=_("Ask agencies for advice"), position=60
    )
    account_section_register(
        key="advice",
        title=_("My advice requests"),
        template="advice/_account.html",
        context=account_context,
        position=80,
    )
    panel_urls_register(prefix="advice/", module="advice.panel_urls")
    panel_nav_register(
        key="advice",
        url_name="panel-advice:list",
        label=_("Advice requests"),
        position=42,
        badge_url="panel-advice:badge",
    )

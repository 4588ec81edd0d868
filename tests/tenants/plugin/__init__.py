"""A stand-in for a new app above ``tenants`` (as the CRM will be): it plugs pages into the
panel and the ops host through the registries alone, as its ``AppConfig.ready`` would, and
edits no template or menu of another app. Used by tests/tenants/test_registries.py."""

from __future__ import annotations

from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.panel.registry import panel_nav_register, panel_urls_register

WAITING = {"count": 3}


def _waiting() -> int:
    return WAITING["count"]


def register() -> None:
    """What the app's ``AppConfig.ready`` would call."""
    panel_urls_register(prefix="plugin/", module="tests.tenants.plugin.panel_urls")
    panel_nav_register(
        key="plugin",
        url_name="panel-plugin:home",
        label="Plugin pages",
        position=45,
        badge_url="panel-plugin:badge",
    )
    panel_nav_register(
        key="plugin-book",
        url_name="panel-plugin:book",
        label="Plugin book",
        position=46,
        manage_only=True,
    )
    ops_urls_register(prefix="plugin/", module="tests.tenants.plugin.ops_urls")
    ops_section_register(
        key="plugin",
        url_name="ops-plugin:home",
        title="Plugin section",
        description="Pages of an app the ops host does not know.",
        roles=("operator", "admin"),
        position=75,
        waiting=_waiting,
    )

"""What ``tenants`` mounts on the hosts whose shells it owns: the panel's dashboard, settings,
site content and staff pages; the ops host's home, site and line control, and Django's admin
(mounted by ``config.urls_ops`` itself). Called from ``TenantsConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.decorators import STAFF_ROLES
from tenants.ops.registry import ops_section_register, ops_urls_register
from tenants.panel.registry import panel_nav_register, panel_urls_register


def _control_requests_pending() -> int:
    from tenants.models import ControlRequest

    return ControlRequest.objects.filter(state=ControlRequest.State.PENDING).count()


def register() -> None:
    panel_urls_register(prefix="", module="tenants.panel.urls")
    panel_nav_register(
        key="dashboard", url_name="panel:dashboard", label=_("Dashboard"), position=10
    )
    panel_nav_register(
        key="settings",
        url_name="panel:settings",
        label=_("Settings"),
        position=100,
        manage_only=True,
    )
    panel_nav_register(
        key="content",
        url_name="panel:content",
        label=_("Site content"),
        position=110,
        manage_only=True,
    )
    panel_nav_register(
        key="staff", url_name="panel:staff", label=_("Staff"), position=120, manage_only=True
    )

    ops_urls_register(prefix="", module="tenants.ops.urls")
    ops_urls_register(prefix="control/", module="tenants.ops.control_urls")
    ops_section_register(
        key="control",
        url_name="ops-control:list",
        title=_("Site and line requests"),
        description=_(
            "Turning an agency's site on or off and restricting its lines: "
            "branch managers ask, operators decide."
        ),
        # The page lists the history to every insurer role; filing and deciding are narrower.
        roles=STAFF_ROLES,
        position=20,
        waiting=_control_requests_pending,
    )
    ops_section_register(
        key="admin",
        url_name="admin:index",
        title=_("Administration"),
        description=_("Agencies, catalog, tariffs and users."),
        roles=("admin",),
        position=100,
    )

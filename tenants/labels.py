"""Names of the audit actions and changed fields of agencies, their sites and control
requests (core.labels explains the registries)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.labels import (
    AUDIT_ACTION_GROUPS,
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    audit_value_format_register,
)


def register() -> None:
    AUDIT_ACTION_GROUPS.register(
        {
            "agency": _("Agencies"),
            "control": _("Site and line requests"),
            "content": _("Agencies' site content"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "agency.create": _("Agency created"),
            "agency.status": _("Agency's site status changed"),
            "agency.update": _("Agency's details changed"),
            "control.requested": _("Site or line request filed"),
            "control.approved": _("Site or line request approved"),
            "control.rejected": _("Site or line request rejected"),
            "content.sitesettings.add": _("Site texts and look set"),
            "content.sitesettings.update": _("Site texts and look changed"),
            "content.page.add": _("Site page added"),
            "content.page.update": _("Site page changed"),
            "content.page.delete": _("Site page deleted"),
            "content.banner.add": _("Banner added"),
            "content.banner.update": _("Banner changed"),
            "content.banner.delete": _("Banner deleted"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "tenants.agency.owner": _("Owner's mobile number"),
            "tenants.agency.reason": _("Reason"),
            "tenants.controlrequest.line": _("Line"),
            "tenants.controlrequest.note": _("Decision note"),
        }
    )
    audit_value_format_register("tenants.controlrequest", "line", _line_shown)


def _line_shown(value: Any) -> str:
    from tenants.control import line_name

    return line_name(str(value)) or str(_("Other line"))

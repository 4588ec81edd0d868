"""Names of the renewal workflow's audit actions (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import ACTORS, AUDIT_ACTION_GROUPS, AUDIT_ACTIONS

# The audit log's name for the renewal workflow when no person acted.
SYSTEM_ACTOR = "renewals"


def register() -> None:
    ACTORS.register({SYSTEM_ACTOR: _("Renewal system")})
    AUDIT_ACTION_GROUPS.register(
        {
            "renewal_run": _("Renewal distributions"),
            "renewal_item": _("Renewal work items"),
            "renewal_settings": _("Renewal settings"),
            "renewal_staff": _("Renewal staff"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "renewal_run.distributed": _("Renewal list given out"),
            "renewal_item.result": _("Call result recorded"),
            "renewal_item.reassigned": _("Work item re-assigned"),
            "renewal_item.renewed": _("Policy renewed"),
            "renewal_item.lapsed": _("Renewal item closed: policy lapsed"),
            "renewal_item.closed": _("Work item closed"),
            "renewal_item.quote_prepared": _("Renewal quote prepared"),
            "renewal_item.link_sent": _("Renewal link sent"),
            "renewal_item.inaccurate": _("Contact details found inaccurate, sent back"),
            "renewal_item.corrected": _("Contact details corrected, to be called again"),
            "renewal_item.number_found": _("Number found, back on the calls list"),
            "renewal_settings.updated": _("Renewal settings changed"),
            "renewal_staff.updated": _("Renewal staff member changed"),
        }
    )

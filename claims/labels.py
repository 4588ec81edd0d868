"""Names of the claims' audit actions (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import ACTORS, AUDIT_ACTION_GROUPS, AUDIT_ACTIONS

# The audit log's name for the claims' own work when no person acted (reminders).
SYSTEM_ACTOR = "claims"


def register() -> None:
    ACTORS.register({SYSTEM_ACTOR: _("Claims system")})
    AUDIT_ACTION_GROUPS.register({"claims": _("Online claims")})
    AUDIT_ACTIONS.register(
        {
            "claims.filed": _("Claim filed"),
            "claims.document_added": _("Claim document added"),
            "claims.documents_requested": _("Missing claim documents requested"),
            "claims.documents_complete": _("Claim documents complete"),
            "claims.reminder_sent": _("Reminder of missing claim documents sent"),
            "claims.assessor_assigned": _("Claim assessor assigned"),
            "claims.assessed": _("Claim assessed"),
            "claims.approved": _("Claim approved"),
            "claims.rejected": _("Claim rejected"),
            "claims.payment_ordered": _("Claim payment ordered"),
            "claims.paid": _("Claim paid"),
        }
    )

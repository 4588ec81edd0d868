"""Names of the audit actions and changed fields of cancellations (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS


def register() -> None:
    AUDIT_ACTION_GROUPS.register(
        {"cancellation": _("Cancellation requests"), "refund": _("Refunds")}
    )
    AUDIT_ACTIONS.register(
        {
            "cancellation.requested": _("Cancellation requested"),
            "cancellation.approved": _("Cancellation approved"),
            "cancellation.rejected": _("Cancellation rejected"),
            "cancellation.withdrawn": _("Cancellation request withdrawn"),
            "refund.recorded": _("Refund recorded as due"),
        }
    )

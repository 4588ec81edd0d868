"""Names of support's audit actions and system actor (core.labels, decision 021)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import ACTORS, AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_FIELDS


def register() -> None:
    ACTORS.register({"support": _("Support tickets")})
    AUDIT_ACTION_GROUPS.register({"support_ticket": _("Support tickets")})
    AUDIT_ACTIONS.register(
        {
            "support_ticket.opened": _("Support ticket opened"),
            "support_ticket.replied": _("Reply on a support ticket"),
            "support_ticket.reopened": _("Support ticket reopened by a reply"),
            "support_ticket.file_added": _("File added to a support ticket"),
            "support_ticket.closed": _("Support ticket closed"),
            "support_ticket.answered": _("Support ticket answered"),
            "support_ticket.asked": _("Question asked on a support ticket"),
            "support_ticket.noted": _("Internal note on a support ticket"),
            "support_ticket.assigned": _("Support ticket assigned"),
            "support_ticket.escalated": _("Late support ticket escalated"),
        }
    )
    AUDIT_FIELDS.register({"support.ticket.file": _("Attached file")})

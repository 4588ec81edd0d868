"""Names of the audit actions and changed fields of cases, activities, complaints, claims
and gifts (core.labels); registered from ``crm.mounts._cases``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_FIELDS


def register() -> None:
    AUDIT_ACTION_GROUPS.register(
        {
            "case": _("Cases"),
            "activity": _("Activities"),
            "attachment": _("Files"),
            "complaint": _("Complaints"),
            "claim": _("Claims"),
            "gift": _("Gifts"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "case.created": _("Case opened"),
            "case.updated": _("Case changed"),
            "case.assigned": _("Case assigned"),
            "case.started": _("Case in progress"),
            "case.closed": _("Case closed"),
            "case.reopened": _("Case opened again"),
            "activity.created": _("Activity added"),
            "activity.done": _("Activity done"),
            "activity.rescheduled": _("Activity moved"),
            "attachment.added": _("File added"),
            "complaint.created": _("Complaint recorded"),
            "complaint.referred": _("Complaint referred"),
            "complaint.result": _("Complaint result recorded"),
            "complaint.resolved": _("Complaint closed"),
            "claim.created": _("Claim recorded"),
            "claim.updated": _("Claim changed"),
            "gift.planned": _("Gift planned"),
            "gift.planned_for_band": _("Gift planned for a rank band"),
            "gift.given": _("Gift given"),
            "gift.cancelled": _("Gift cancelled"),
            "gift.response": _("Response to a gift recorded"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "assignee": _("Assigned to"),
            "customers": _("Customers"),
            "band": _("Rank band"),
        }
    )

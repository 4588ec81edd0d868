"""Names of agency sign-up's audit actions and changed fields (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_FIELDS


def register() -> None:
    AUDIT_ACTION_GROUPS.register({"agency_application": _("Agency applications")})
    AUDIT_ACTIONS.register(
        {
            "agency_application.created": _("Agency application started"),
            "agency_application.updated": _("Agency application changed"),
            "agency_application.licence_uploaded": _("Licence photo uploaded"),
            "agency_application.submitted": _("Agency application submitted"),
            "agency_application.resubmitted": _("Agency application corrected and resubmitted"),
            "agency_application.correction_requested": _(
                "Correction of an agency application requested"
            ),
            "agency_application.approved": _("Agency application approved"),
            "agency_application.rejected": _("Agency application rejected"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "onboarding.agencyapplication.licence_file": _("Licence photo"),
        }
    )

"""Names of the audit actions of accounts and agency staff (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_FIELDS


def register() -> None:
    AUDIT_ACTION_GROUPS.register({"user": _("Accounts"), "membership": _("Agency staff")})
    AUDIT_ACTIONS.register(
        {
            "user.signup": _("Account created"),
            "user.profile": _("Profile changed"),
            "user.identity_verified": _("Identity verified"),
            "user.insurer_role": _("Insurer role changed"),
            "membership.add": _("Person added to an agency"),
            "membership.update": _("Agency role changed"),
            "membership.deactivate": _("Person removed from an agency"),
        }
    )
    AUDIT_FIELDS.register({"accounts.membership.user": _("Mobile number")})

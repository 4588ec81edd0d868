"""Names of the audit actions and system actor of advice requests (core.labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.labels import ACTORS, AUDIT_ACTION_GROUPS, AUDIT_ACTIONS, AUDIT_FIELDS


def register() -> None:
    ACTORS.register({"advice": _("Advice request system")})
    AUDIT_ACTION_GROUPS.register(
        {
            "advice_request": _("Advice requests"),
            "advice_answer": _("Answers to advice requests"),
            "advice_rating": _("Ratings of agencies"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "advice_request.created": _("Advice request posted"),
            "advice_request.advanced": _("Advice request offered to a wider circle"),
            "advice_request.accepted": _("Advice request: an agency chosen"),
            "advice_request.cancelled": _("Advice request cancelled"),
            "advice_request.expired": _("Advice request expired"),
            "advice_answer.created": _("Advice request answered by an agency"),
            "advice_answer.accepted": _("Agency's answer chosen by the customer"),
            "advice_rating.created": _("Agency rated by the customer"),
        }
    )
    AUDIT_FIELDS.register({"advice.adviceanswer.accepted": _("Chosen by the customer")})

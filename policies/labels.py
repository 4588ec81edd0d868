"""Names of the codes the sale writes: sales-record events, audit actions, system actors.

Registered when the app is ready (core.labels explains the registries); the sales record
has a registry of its own.
"""

from __future__ import annotations

from typing import Any

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core.labels import (
    ACTORS,
    AUDIT_ACTION_GROUPS,
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    LabelRegistry,
    audit_value_format_register,
)
from core.templatetags.ui import latin

SALES_EVENTS = LabelRegistry("sales-record event", fallback=_("Other step of the sale"))
SALES_EVENTS.register(
    {
        "quote_created": _("Premium quoted"),
        "order_created": _("Order opened"),
        "order_insured_saved": _("Insured person saved"),
        "order_details_saved": _("Extra details saved"),
        "order_document_added": _("Document uploaded"),
        "order_delivery_saved": _("Delivery saved"),
        "order_edited": _("Order changed after review"),
        "order_draft": _("Order back to draft"),
        "order_awaiting_payment": _("Order confirmed, waiting for payment"),
        "order_paid": _("Order paid"),
        "order_issued": _("Order issued"),
        "order_rejected": _("Order rejected"),
        "order_cancelled": _("Order cancelled"),
        "payment_started": _("Sent to the bank"),
        "payment_start_failed": _("The bank could not be reached"),
        "payment_verified": _("Payment verified with the bank"),
        "payment_failed": _("Payment failed"),
        "payment_cancelled": _("Payment cancelled at the bank"),
        "payment_verify_error": _("The bank's verification failed"),
        "payment_callback_replayed": _("A bank return came again"),
        "payment_callback_forged": _("A forged bank return was refused"),
        "policy_issued": _("Policy issued"),
        "pdf_downloaded": _("Policy PDF downloaded"),
        "referral_started": _("Offered to nearby agencies"),
        "referral_fallen": _("No agency accepted; sent to the virtual branch"),
        "agency_assigned": _("Agency assigned"),
    }
)


def register() -> None:
    """Names of the audit actions, changed fields and system actors of the sale."""
    ACTORS.register(
        {
            "customer": _("Customer"),
            "visitor": _("Visitor (not logged in)"),
            "referrals": _("Referral system"),
        }
    )
    AUDIT_ACTION_GROUPS.register(
        {
            "order": _("Orders"),
            "payment": _("Payments"),
            "policy": _("Policies"),
            "tariff": _("Tariffs"),
            "agency_line": _("Agencies' lines"),
            "sales_plan": _("Sales plans"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "order.draft": _("Order opened or back to draft"),
            "order.awaiting_payment": _("Order confirmed, waiting for payment"),
            "order.paid": _("Order paid"),
            "order.issued": _("Order issued"),
            "order.rejected": _("Order rejected"),
            "order.cancelled": _("Order cancelled"),
            "order.insured_saved": _("Insured person saved"),
            "order.details_saved": _("Extra details saved"),
            "order.document_added": _("Document uploaded"),
            "order.delivery_saved": _("Delivery saved"),
            "order.agency_assigned": _("Agency assigned to the order"),
            "order.renews": _("Order renews a policy"),
            "payment.started": _("Payment started"),
            "payment.succeeded": _("Payment succeeded"),
            "payment.failed": _("Payment failed"),
            "payment.cancelled": _("Payment cancelled"),
            "policy.issued": _("Policy issued"),
            "policy.cancelled": _("Policy cancelled"),
            "tariff.imported": _("Tariff version imported"),
            "tariff.activated": _("Tariff version activated"),
            "agency_line.offered": _("Agency's offer of a line changed"),
            "agency_line.allowed": _("Insurer's permission for a line changed"),
            "sales_plan.submitted": _("Sales plan submitted"),
            "sales_plan.approved": _("Sales plan approved"),
            "sales_plan.rejected": _("Sales plan rejected"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "policies.order.document": _("Document"),
            "policies.order.details": _("Extra details"),
            "policies.tariffversion.rules": _("Rules"),
            "policies.salesplan.lines": _("Lines"),
            "policies.salesplan.agencies": _("Agencies"),
            "policies.salesplan.note": _("Decision note"),
            "policies.policy.reason": _("Reason for cancelling"),
        }
    )
    audit_value_format_register("policies.order", "details", _details_shown)
    audit_value_format_register("policies.order", "document", _document_shown)
    audit_value_format_register("policies.salesplan", "lines", _lines_shown)


def _details_shown(value: Any) -> str:
    """An order's extra details (keys are question codes) with the questions' names."""
    from policies.models import Question
    from policies.presentation import answer_shown

    if not isinstance(value, dict):
        return str(value)
    questions: dict[str, Question] = {}
    for question in Question.objects.filter(code__in=list(value)).order_by("line_id", "id"):
        questions.setdefault(question.code, question)
    parts = []
    for code, answer in value.items():
        found = questions.get(code)
        if found is None:
            parts.append(format_html("{}: {}", AUDIT_FIELDS.label(None), answer))
        elif found.is_latin_code:
            parts.append(format_html("{}: {}", found.display_label, latin(answer)))
        else:
            parts.append(format_html("{}: {}", found.display_label, answer_shown(found, answer)))
    # HTML: the Latin codes among the answers are marked as such (files strip the tags).
    return mark_safe(("؛ " if _persian() else "; ").join(parts))  # noqa: S308 - escaped above


def _document_shown(value: Any) -> str:
    from policies.models import DocumentRequirement

    requirement = DocumentRequirement.objects.filter(code=str(value)).first()
    return requirement.display_label if requirement else str(_("Other document"))


def _lines_shown(value: Any) -> str:
    from policies.models import Line

    codes = value if isinstance(value, list) else [c.strip() for c in str(value).split(",")]
    lines = {line.code: line.display_name for line in Line.objects.filter(code__in=codes)}
    names = [lines.get(str(code), str(_("Other line"))) for code in codes]
    return "، ".join(names) if _persian() else ", ".join(names)


def _persian() -> bool:
    from core.digits import persian_digits_active

    return persian_digits_active()

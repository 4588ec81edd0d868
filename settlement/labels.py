"""Names of the audit actions, changed fields and system actor of settlement and
commissions (core.labels)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from core.digits import format_number
from core.labels import (
    ACTORS,
    AUDIT_ACTION_GROUPS,
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    audit_value_format_register,
)


def register() -> None:
    ACTORS.register({"settlement": _("Settlement system")})
    AUDIT_ACTION_GROUPS.register(
        {
            "settlement_batch": _("Settlement batches"),
            "settlement_export": _("Settlement files"),
            "settlement_confirmation": _("Core system confirmations"),
            "commission": _("Commissions"),
            "commission_rate": _("Commission rates"),
            "commission_statement": _("Commission statements"),
        }
    )
    AUDIT_ACTIONS.register(
        {
            "settlement_batch.built": _("Settlement batch built"),
            "settlement_batch.grew": _("Settlement batch grew"),
            "settlement_batch.exported": _("Settlement batch exported"),
            "settlement_batch.confirmed": _("Settlement batch confirmed"),
            "settlement_batch.discrepant": _("Settlement batch has differences"),
            "settlement_export.created": _("Settlement file started"),
            "settlement_export.repeated": _("Settlement file written again"),
            "settlement_export.written": _("Settlement file written"),
            "settlement_export.failed": _("Settlement file failed"),
            "settlement_export.confirmed": _("Settlement file confirmed"),
            "settlement_confirmation.uploaded": _("Confirmation file uploaded"),
            "settlement_confirmation.applied": _("Confirmation file matched"),
            "settlement_confirmation.rejected": _("Confirmation file refused"),
            "commission.computed": _("Commission computed"),
            "commission.clawed_back": _("Commission taken back"),
            "commission_rate.added": _("Commission rate added"),
            "commission_statement.built": _("Commission statement built"),
            "commission_statement.payout_recorded": _("Commission payout recorded"),
        }
    )
    AUDIT_FIELDS.register(
        {
            "settlement.settlementexport.batches": _("Batches"),
            "settlement.settlementexport.items": _("Items"),
            "settlement.settlementexport.amount": _("Amount (rials)"),
            "settlement.settlementexport.commission": _("Commission (rials)"),
            "settlement.settlementexport.error": _("Error"),
            "settlement.settlementexport.confirmation": _("Confirmation"),
            "settlement.settlementconfirmation.export": _("Export number"),
            "settlement.settlementconfirmation.file": _("File"),
            "settlement.settlementconfirmation.lines": _("Lines in the file"),
            "settlement.settlementconfirmation.matched": _("Matched"),
            "settlement.settlementconfirmation.missing": _("Missing"),
            "settlement.settlementconfirmation.extra": _("Extra"),
            "settlement.settlementconfirmation.differs": _("Differing"),
            "settlement.settlementconfirmation.line": _("Line in the file"),
            "settlement.settlementconfirmation.reason": _("Reason"),
            "settlement.commissionrate.from": _("In force from"),
            "settlement.commissionrate.line": _("Line"),
            "settlement.commissionstatement.period": _("Period"),
            "settlement.commissionstatement.payout": _("Payout"),
            "settlement.commissionstatement.amount": _("Amount (rials)"),
            "settlement.commissionstatement.reference": _("Transfer reference"),
        }
    )
    for target, key in (
        ("settlement.settlementexport", "amount"),
        ("settlement.settlementexport", "commission"),
        ("settlement.commissionstatement", "amount"),
    ):
        audit_value_format_register(target, key, format_number)
    audit_value_format_register("settlement.commissionrate", "line", _rate_line_shown)
    audit_value_format_register("settlement.commissionrate", "agency_kind", _agency_kind_shown)


def _rate_line_shown(value: Any) -> str:
    from policies.models import Line
    from settlement.models import CommissionRate

    if value in (CommissionRate.ANY_LINE, "", None):
        return str(_("Every line"))
    line = Line.objects.filter(code=str(value)).first()
    return line.display_name if line else str(_("Other line"))


def _agency_kind_shown(value: Any) -> str:
    from tenants.models import Agency

    if value in ("", None, "*"):
        return str(_("Every kind"))
    return str(Agency.Kind(value).label) if value in Agency.Kind.values else str(value)

"""A commission statement as PDF and as Excel, rendered on request: its lines are fixed for
good, so the same statement gives the same lines every time (payouts and the state of
settlement are shown as they stand)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from core.jalali import format_jalali_date
from core.pdf import render_pdf
from core.xlsx import DECIMAL, NUMBER, Column, XlsxWriter, xlsx_response
from settlement.models import CommissionStatement
from settlement.selectors_statements import (
    Reconciliation,
    commission_statement_lines,
    commission_statement_payouts,
    commission_statement_reconciliation,
)
from settlement.services.statements import JalaliMonth

STATEMENT_CSS = Path(__file__).resolve().parent / "pdf" / "statement.css"


def statement_filename(statement: CommissionStatement, extension: str) -> str:
    return (
        f"commission-{statement.agency.code}-{statement.jalali_year}-"
        f"{statement.jalali_month:02d}.{extension}"
    )


def statement_context(
    statement: CommissionStatement, *, reconciliation: bool = True
) -> dict[str, Any]:
    """What the statement's pages and PDF show."""
    return {
        "statement": statement,
        "agency": statement.agency,
        "month_label": JalaliMonth(statement.jalali_year, statement.jalali_month).label,
        "lines": commission_statement_lines(statement=statement),
        "payouts": commission_statement_payouts(statement=statement),
        "reconciliation": (
            commission_statement_reconciliation(statement=statement) if reconciliation else None
        ),
    }


def statement_pdf_bytes(*, statement: CommissionStatement) -> bytes:
    context = statement_context(statement)
    context["insurer_name"] = settings.INSURER_NAME
    return render_pdf(
        template_name="settlement/statement_pdf.html", context=context, stylesheet=STATEMENT_CSS
    )


def statement_pdf_response(statement: CommissionStatement) -> HttpResponse:
    response = HttpResponse(
        statement_pdf_bytes(statement=statement), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{statement_filename(statement, "pdf")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _reconciliation_text(reconciliation: Reconciliation) -> str:
    if reconciliation.reconciles:
        return _("Reconciles with settlement")
    return _("Does not reconcile with settlement: %(number)s policies differ") % {
        "number": len(reconciliation.differing)
    }


def statement_xlsx_write(book: XlsxWriter, *, statement: CommissionStatement) -> None:
    """Three sheets: the lines, the payouts and the totals."""
    lines = book.sheet(
        _("Policies"),
        [
            Column(_("Policy number"), width=20),
            Column(_("Line"), width=22),
            Column(_("Issued on"), width=12),
            Column(_("Premium"), NUMBER, width=16),
            Column(_("Net premium"), NUMBER, width=16),
            Column(_("Percent"), DECIMAL, width=9),
            Column(_("Commission"), NUMBER, width=16),
        ],
    )
    lines.rows(
        [
            line["policy_number"],
            line["line_name"],
            format_jalali_date(line["issued_at"], persian_digits=False),
            line["premium"],
            line["base"],
            line["percent"],
            line["amount"],
        ]
        for line in commission_statement_lines(statement=statement).iterator()
    )
    payouts = book.sheet(
        _("Payouts"),
        [
            Column(_("Paid on"), width=12),
            Column(_("Amount"), NUMBER, width=16),
            Column(_("Transfer reference"), width=24),
            Column(_("Note"), width=40),
        ],
    )
    payouts.rows(
        [
            format_jalali_date(payout.paid_on, persian_digits=False),
            payout.amount,
            payout.reference,
            payout.note,
        ]
        for payout in commission_statement_payouts(statement=statement)
    )
    reconciliation = commission_statement_reconciliation(statement=statement)
    totals = book.sheet(
        _("Totals"), [Column(_("Item"), width=30), Column(_("Value"), NUMBER, width=22)]
    )
    totals.rows(
        [
            [_("Agency"), statement.agency.name],
            [_("Agency code"), statement.agency.code],
            [_("Period"), statement.period_label],
            [_("First day"), format_jalali_date(statement.period_start, persian_digits=False)],
            [_("Last day"), format_jalali_date(statement.period_end, persian_digits=False)],
            [_("Policies"), statement.policy_count],
            [_("Premium"), statement.premium_total],
            [_("Net premium"), statement.base_total],
            [_("Commission"), statement.commission_total],
            [_("Paid"), statement.paid_total],
            [_("Outstanding"), statement.outstanding],
            [_("State"), statement.get_state_display()],
            [_("Settled amount"), reconciliation.settled_amount],
            [_("Confirmed by the core system"), reconciliation.confirmed_amount],
            [_("Reconciliation"), _reconciliation_text(reconciliation)],
        ]
    )


def statement_xlsx_response(statement: CommissionStatement) -> HttpResponse:
    response = xlsx_response(
        statement_filename(statement, "xlsx"),
        lambda book: statement_xlsx_write(book, statement=statement),
    )
    response["Cache-Control"] = "private, no-store"
    return response

"""The settlement state report's tables and charts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.jalali import format_jalali_date
from reports.presentation.common import agency_cells
from reports.selectors import SettlementFigures, SettlementReport
from reports.tables import COUNT, RIALS, Col, Table
from settlement.models import SettlementBatch
from tenants.panel.dashboard import Chart


def _settlement_columns() -> list[Col]:
    return [
        Col(_("Open batches"), COUNT),
        Col(_("Exported batches"), COUNT),
        Col(_("Confirmed batches"), COUNT),
        Col(_("Batches with differences"), COUNT),
        Col(_("Items"), COUNT),
        Col(_("Amount (rials)"), RIALS),
        Col(_("Exported items"), COUNT),
        Col(_("Exported amount"), RIALS),
        Col(_("Confirmed items"), COUNT),
        Col(_("Confirmed amount"), RIALS),
        Col(_("Differing items"), COUNT),
        Col(_("Differing amount"), RIALS),
        Col(_("Missing items"), COUNT),
        Col(_("Missing amount"), RIALS),
        Col(_("Differences found"), COUNT),
        Col(_("Policies in no batch"), COUNT),
        Col(_("Their premium (rials)"), RIALS),
    ]


def _settlement_cells(row: SettlementFigures) -> list[Any]:
    return [
        row.batches_open,
        row.batches_exported,
        row.batches_confirmed,
        row.batches_discrepant,
        row.items,
        row.items_amount,
        row.exported_items,
        row.exported_amount,
        row.confirmed_items,
        row.confirmed_amount,
        row.differing_items,
        row.differing_amount,
        row.missing_items,
        row.missing_amount,
        row.mismatches,
        row.unsettled_policies,
        row.unsettled_amount,
    ]


def settlement_tables(report: SettlementReport) -> list[Table]:
    by_day = Table(
        "by-day",
        _("Settlement by business day"),
        [Col(_("Business day")), *_settlement_columns()],
        [
            [format_jalali_date(row.day, persian_digits=False), *_settlement_cells(row)]
            for row in report.by_day
        ],
        [_("Total"), *_settlement_cells(report.total)],
    )
    by_agency = Table(
        "by-agency",
        _("Settlement by agency"),
        [Col(_("Agency code")), Col(_("Agency")), *_settlement_columns()],
        [
            [
                *(
                    [None, _("Confirmed lines no export had")]
                    if row.unattributed
                    else agency_cells(row.agency)
                ),
                *_settlement_cells(row),
            ]
            for row in report.by_agency
        ],
        [_("Total"), None, *_settlement_cells(report.total)],
    )
    return [by_day, by_agency]


def settlement_charts(report: SettlementReport) -> list[Chart]:
    rows = report.by_day
    total = report.total
    states = SettlementBatch.State
    return [
        Chart(
            "settlement-days",
            _("Amounts per business day (rials)"),
            "bar",
            [format_jalali_date(row.day) for row in rows],
            [
                {"label": _("Confirmed"), "data": [int(row.confirmed_amount) for row in rows]},
                {
                    "label": _("Differing or missing"),
                    "data": [int(row.differing_amount + row.missing_amount) for row in rows],
                },
                {
                    "label": _("Exported, not confirmed yet"),
                    "data": [
                        int(
                            row.exported_amount
                            - row.confirmed_amount
                            - row.differing_amount
                            - row.missing_amount
                        )
                        for row in rows
                    ],
                },
                {
                    "label": _("In open batches"),
                    "data": [int(row.items_amount - row.exported_amount) for row in rows],
                },
                {"label": _("In no batch"), "data": [int(row.unsettled_amount) for row in rows]},
            ],
        ),
        Chart(
            "settlement-batches",
            _("Batches by state"),
            "doughnut",
            [
                str(states.OPEN.label),
                str(states.EXPORTED.label),
                str(states.CONFIRMED.label),
                str(states.DISCREPANT.label),
            ],
            [
                {
                    "label": _("Batches"),
                    "data": [
                        total.batches_open,
                        total.batches_exported,
                        total.batches_confirmed,
                        total.batches_discrepant,
                    ],
                }
            ],
        ),
    ]
